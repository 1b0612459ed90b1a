// Reads a live UI message stream from ChatView with the AI SDK's own transport (the request
// useChat sends, the response parsed with uiMessageChunkSchema) and its own message assembly
// (readUIMessageStream); prints the assembled message as JSON, with the errors the stream
// reported. Before the first message it asks to resume the chat (useChat({resume: true}) does on
// every page load), which must answer 204 (null) for a chat not begun; after, once the run is
// over, the same.
import { DefaultChatTransport, readUIMessageStream } from "ai";

const { CHAT_URL, COOKIE, CSRF_TOKEN, CHAT_ID, TEXT } = process.env;
const transport = new DefaultChatTransport({
  api: CHAT_URL,
  headers: { cookie: COOKIE, "x-csrftoken": CSRF_TOKEN },
});
const fresh = await transport.reconnectToStream({ chatId: CHAT_ID });
const chunks = await transport.sendMessages({
  chatId: CHAT_ID,
  trigger: "submit-message",
  messageId: undefined,
  messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: TEXT }] }],
  abortSignal: undefined,
});
let message;
const errors = [];
for await (const snapshot of readUIMessageStream({ stream: chunks, onError: (e) => errors.push(String(e.message ?? e)) })) {
  message = snapshot;
}
const resumed = await transport.reconnectToStream({ chatId: CHAT_ID });
const stream = (value) => (value === null ? null : "stream");
console.log(JSON.stringify({ message, errors, fresh: stream(fresh), resumed: stream(resumed) }));
