from pathlib import Path
from podid.provision.step import run
from podid.provision.steps.workloadidentity import up_steps
from tests.provision.conftest import fresh_state

class P:
    def started(self, step): print("->", step)
    def finished(self, report): print("  ", report.as_dict())

def test_scratch(endpoints, unique, tmp_path):
    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    run(up_steps(state.design), state, apply=True, progress=P())
    print("AGAIN")
    reports = run(up_steps(state.design), state, apply=True, progress=P())
    assert all(not r.changes for r in reports)

def test_scratch_records(endpoints, unique, tmp_path):
    import time
    from podid.provision.kube import Kube
    state = fresh_state(endpoints, unique, tmp_path / "kubeconfig")
    run(up_steps(state.design), state, apply=True, progress=P())
    d = state.design
    for _ in range(120):
        names = [r.name for r in state.clients.dns.record_sets.list_all_by_dns_zone(d.group, d.domain)]
        if "hello" in names: break
        time.sleep(0.5)
    print(names)
    kube = state.kube
    for pod in kube.list("Pod", "kube-addons"):
        print(pod["metadata"]["name"], [e["name"] for e in pod["spec"]["containers"][0].get("env", [])])
        print(kube.log("kube-addons", pod["metadata"]["name"])[-3000:])
    for pod in kube.list("Pod", "my-app"):
        import glob, time as t
        t.sleep(1)
        for f in glob.glob(endpoints.data_dir + "/kube/*/pods/my-app_demo_*/logs/demo/*.log"):
            print(f, open(f).read()[-2500:])
    assert "hello" in names
