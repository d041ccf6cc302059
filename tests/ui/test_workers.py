import time

from vsm_app.ui.workers import Task


def test_task_reports_progress_and_result(qtbot) -> None:
    seen: list[float] = []

    def work(progress, cancelled):
        for i in range(5):
            progress(i / 4, f"step {i}")
            time.sleep(0.06)
        return 42

    task = Task(work)
    task.progress.connect(lambda f, m: seen.append(f))
    with qtbot.waitSignal(task.finished, timeout=5000) as blocker:
        task.start()
    assert blocker.args == [42]
    assert seen and seen[-1] == 1.0
    qtbot.waitUntil(lambda: not task.is_running())


def test_cancel_stops_the_work(qtbot) -> None:
    steps = []

    def work(progress, cancelled):
        for i in range(1000):
            if cancelled():
                raise RuntimeError("Cancelled")
            steps.append(i)
            time.sleep(0.005)
        return "finished"

    task = Task(work)
    finished = []
    task.finished.connect(finished.append)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start()
        qtbot.wait(50)
        task.cancel()
    assert finished == [] and len(steps) < 1000


def test_failure_is_reported_with_message(qtbot) -> None:
    def work(progress, cancelled):
        raise ValueError("ci.json: record 3, field \"created_at\": not a timestamp")

    task = Task(work)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    assert "record 3" in blocker.args[0] and "ValueError" in blocker.args[1]


def test_latest_task_runs_the_newest_waiting_request_and_drops_superseded_results(qtbot) -> None:
    from vsm_app.ui.workers import LatestTask

    runner = LatestTask()
    started: list[str] = []
    results: list[str] = []
    runner.finished.connect(results.append)

    def job(name: str, seconds: float):
        def make():
            started.append(name)  # built when it starts, from the state of that moment
            return lambda progress, cancelled: (time.sleep(seconds), name)[1]
        return make

    with qtbot.waitSignal(runner.idle, timeout=10_000):
        runner.request(job("first", 0.3))
        runner.request(job("second", 0.0))  # waits, then is replaced by the third
        runner.request(job("third", 0.0))
        assert runner.is_running()
    assert started == ["first", "third"]
    assert results == ["third"]  # "first" finished while "third" waited: not shown
    assert not runner.is_running()


def test_work_outlives_the_object_that_started_it(qtbot) -> None:
    """A window closed while its measurement runs: the task (a child of the window) is
    deleted and collected while the thread still works. The process must not abort ("QThread:
    Destroyed while thread is still running"), the thread must end by itself when the work
    ends, and nothing may be reported to the deleted owner."""
    import gc
    import threading

    from PySide6.QtCore import QObject
    from shiboken6 import Shiboken

    from vsm_app.ui import workers

    release = threading.Event()
    ended = threading.Event()

    def work(progress, cancelled):
        release.wait(5)
        ended.set()
        return "late result"

    owner = QObject()
    task = Task(work, owner)
    task.start()
    assert workers.running_threads() >= 1
    Shiboken.delete(owner)  # the C++ task goes with its parent, as when a window is deleted
    del task, owner
    gc.collect()  # the Python wrappers go too, while the work still runs
    release.set()
    assert ended.wait(5)
    qtbot.waitUntil(lambda: workers.running_threads() == 0, timeout=5000)


def test_shutdown_cancels_and_joins_running_work(qtbot) -> None:
    from vsm_app.ui import workers

    saw_cancel = []

    def work(progress, cancelled):
        while not cancelled():
            time.sleep(0.01)
        saw_cancel.append(True)
        raise RuntimeError("Cancelled")

    task = Task(work)
    task.start()
    qtbot.waitUntil(lambda: task.is_running())
    assert workers.shutdown(5000)
    assert saw_cancel == [True]
    assert workers.running_threads() == 0


def test_cancellation_is_the_protocol_s_class_not_a_name(qtbot) -> None:
    """work.Cancelled ends a task as cancelled; another exception that happens to be called
    Cancelled is a failure like any other (no recognising by class name)."""
    from vsm_app import work

    def cancelled_by_itself(progress, cancelled):
        raise work.Cancelled("the import was cancelled")

    task = Task(cancelled_by_itself)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start()
    qtbot.waitUntil(lambda: not task.is_running())

    class Cancelled(Exception):  # noqa: N818 - a look-alike, not the protocol's
        pass

    def fails(progress, cancelled):
        raise Cancelled("not the protocol's")

    task = Task(fails)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    assert blocker.args[0] == "not the protocol's"
    qtbot.waitUntil(lambda: not task.is_running())
