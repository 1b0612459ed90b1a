import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('django_openai', '0005_assistants_threads_runs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='upload',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='upload',
            name='source',
            field=models.FileField(blank=True, max_length=512, upload_to='openai/uploads/'),
        ),
        migrations.AlterField(
            model_name='upload',
            name='openai_id',
            field=models.CharField(blank=True, max_length=255, null=True, unique=True),
        ),
    ]
