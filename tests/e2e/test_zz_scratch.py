import time
from tests.e2e.test_externaldns import *  # noqa
from tests.e2e.test_externaldns import tutorial  # noqa

def test_show(tutorial):
    with external_dns(tutorial, "external-dns", args()) as pod:
        wait_for_log(tutorial, pod, "All records are already up to date")
        for i in range(3):
            time.sleep(6)
            t0 = time.monotonic()
            ip = create_service(tutorial, f"h{i}", f"h{i}.{ZONE}")
            t1 = time.monotonic()
            eventually(lambda: resolve(tutorial.endpoints, f"h{i}.{ZONE}") == (NOERROR, [ip]), timeout=30)
            print("create->ip %.2f ip->resolves %.2f" % (t1 - t0, time.monotonic() - t1))
