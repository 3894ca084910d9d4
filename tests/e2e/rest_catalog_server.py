"""Apache Iceberg's own REST catalog server (org.apache.iceberg.rest.RESTCatalogServer, the
test fixture behind the apache/iceberg-rest-fixture image), run as a real REST catalog for
the e2e tests: a JdbcCatalog on a SQLite file behind the REST API, on a free port of
127.0.0.1. scripts/install-iceberg-readers.sh resolves its classpath into .deps/iceberg-rest.

The server reads its settings from CATALOG_* variables (CATALOG_WAREHOUSE -> warehouse,
CATALOG_REST_PORT -> rest.port, ...: RCKUtils.environmentCatalogConfig).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
CLASSPATH_DIR = REPO / ".deps" / "iceberg-rest"
MAIN_CLASS = "org.apache.iceberg.rest.RESTCatalogServer"


def rest_server_available() -> str | None:
    """None when the server can be started here, else why not."""
    if not shutil.which("java"):
        return "no java on PATH"
    if not sorted(CLASSPATH_DIR.glob("iceberg-open-api-*-test-fixtures.jar")):
        return (f"no Iceberg REST fixture in {CLASSPATH_DIR}: "
                "run scripts/install-iceberg-readers.sh")
    return None


class RestCatalogServer:
    def __init__(self, workdir: pathlib.Path, port: int) -> None:
        self.workdir = workdir
        self.port = port
        self.uri = f"http://127.0.0.1:{port}"
        self.warehouse = workdir / "warehouse"
        self.log = workdir / "rest-server.log"
        self._proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> "RestCatalogServer":
        self.warehouse.mkdir(parents=True, exist_ok=True)
        env = {k: os.environ[k] for k in ("PATH", "HOME", "JAVA_HOME") if k in os.environ}
        env.update({"CATALOG_WAREHOUSE": str(self.warehouse),
                    "CATALOG_URI": f"jdbc:sqlite:{self.workdir / 'rest-catalog.db'}",
                    "CATALOG_REST_PORT": str(self.port), "TZ": "UTC"})
        cmd = ["java", "-Xmx512m", "-cp", f"{CLASSPATH_DIR}/*", MAIN_CLASS]
        self._proc = subprocess.Popen(cmd, env=env, stdout=self.log.open("wb"),
                                      stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the REST catalog server exited {self._proc.returncode}:\n"
                                   + self.log.read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"{self.uri}/v1/config", timeout=2) as r:
                    json.load(r)
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the REST catalog server did not answer within {timeout}s:\n"
                           + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
