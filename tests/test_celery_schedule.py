from insportal.celery import app


def test_every_periodic_job_names_a_registered_task(db):
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
