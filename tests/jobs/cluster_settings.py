"""Settings for the real `manage.py qcluster` processes that tests/jobs/test_worker_faults.py
and test_scale_out.py start on the test database: the test settings, tasks sent to the broker
(not run inline), django-q2's own log lines kept (which cluster processed what), and, when
OCR_GATE_DIR is set, the gated OCR engine (tests/jobs/gated_ocr.py) as the OCR engine."""

from config.settings.test import *  # noqa: F403
from config.settings.test import INSTALLED_APPS, LOGGING, Q_CLUSTER, env

Q_CLUSTER = {**Q_CLUSTER, "sync": False, "poll": 0.1}
LOGGING["loggers"]["django-q"] = {"level": "INFO"}  # to the root's stdout handler
LOGGING["loggers"]["jobs"] = {"level": "INFO"}

OCR_GATE_DIR = env.str("OCR_GATE_DIR", default="")
if OCR_GATE_DIR:
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobs.gated_ocr.GatedOcrConfig"]
    OCR_ENGINE = "gated"
