"""The generated SDKs (sdk/): what the schema generates today, and each one compiles.

sdk/nodejs, sdk/python and sdk/go are written by tools/sdkgen (`make sdks`): Pulumi's code generators at the CLI's
version, called as the language hosts call them for `pulumi package gen-sdk` (docs/sdks.md says why not through
the CLI); sdk/dotnet by tools/sdkgen/dotnet, Pulumi's C# generator at v3.228.0, the last release that has it;
sdk/java by tools/sdkgen/java, pulumi-java's generator at v1.22.0. These tests regenerate them from the committed
schema and compare, then compile each: tsc for the TypeScript, `go vet` and `go build` for Go, mypy for Python,
javac (as Maven runs it, offline) for Java (C# is not compiled: there is no .NET SDK on these machines). The TypeScript
gate example runs on the Node.js SDK (tests/native/test_examples.py type-checks it; tests/e2e runs it through the
real CLI).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_nuon._version import __version__
from pulumi_nuon.core.options import SPECS
from pulumi_nuon.native.schema import GO_IMPORT_BASE, LANGUAGE, SCHEMA_FILE, in_camel_case

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk"
LANGUAGES = ("nodejs", "python", "go", "dotnet", "java")
_GENERATOR = {"nodejs": "", "python": "", "go": "", "dotnet": "dotnet", "java": "java"}
"""The tools/sdkgen/build.sh argument of the generator that writes each language: "" is tools/sdkgen."""
# What a build or a tool leaves in sdk/ that the generator does not write (all ignored by git).
_NOT_GENERATED = {"bin", "node_modules", "__pycache__", ".mypy_cache"}
# Python files that Pulumi's generator writes with type errors mypy reports (its defects, not ours: the schema is
# plain). Kept exact both ways: a new error fails, and so does a listed one that is gone (then drop it here).
_MYPY_KNOWN = Path(__file__).with_name("mypy-known-errors.txt")


def _require_go() -> str:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed: the SDKs cannot be regenerated or the Go SDK built (install Go 1.26+)")
    return go


def _sdkgen(which: str = "") -> str:
    _require_go()
    built = subprocess.run(
        ["bash", str(ROOT / "tools" / "sdkgen" / "build.sh"), *([which] if which else [])],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return built.stdout.strip().splitlines()[-1]


def _files(folder: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _NOT_GENERATED & set(relative.parts):
            found[relative.as_posix()] = path.read_bytes()
    return found


def test_the_committed_sdks_are_what_the_schema_generates(tmp_path: Path) -> None:
    for which in sorted(set(_GENERATOR.values())):
        done = subprocess.run(
            [_sdkgen(which), "-schema", str(SCHEMA_FILE), "-out", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(LANGUAGES)
    for language in LANGUAGES:
        fresh, committed = _files(tmp_path / language), _files(SDK / language)
        stale = sorted(name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name))
        assert stale == [], f"sdk/{language} is not what the schema generates ({stale[:5]}): run `make sdks`"


def test_every_sdk_has_its_own_name_and_the_plugin_version() -> None:
    """Each SDK names the plugin `nuon` at this package's version, so Pulumi runs the plugin the SDK was made for."""
    package_json = json.loads((SDK / "nodejs" / "package.json").read_text())
    assert package_json["name"] == LANGUAGE["nodejs"]["packageName"]
    assert package_json["version"] == __version__
    assert package_json["pulumi"] == {"resource": True, "name": "nuon", "version": __version__}
    assert f'version = "{__version__}"' in (SDK / "python" / "pyproject.toml").read_text()
    python_package = SDK / "python" / LANGUAGE["python"]["packageName"]
    plugin_jsons = [python_package, SDK / "go" / "nuon", SDK / "dotnet"]
    for plugin_json in (folder / "pulumi-plugin.json" for folder in plugin_jsons):
        assert json.loads(plugin_json.read_text()) == {"resource": True, "name": "nuon", "version": __version__}
    assert LANGUAGE["go"]["importBasePath"] == GO_IMPORT_BASE
    assert not GO_IMPORT_BASE.startswith("github.com/pulumi/")
    assert f"module {GO_IMPORT_BASE.rpartition('/go/')[0]}\n" in (SDK / "go.mod").read_text()
    csproj = SDK / "dotnet" / f"{LANGUAGE['csharp']['rootNamespace']}.Nuon.csproj"
    assert f"<Version>{__version__}</Version>" in csproj.read_text()
    assert not LANGUAGE["csharp"]["rootNamespace"].startswith("Pulumi.")
    gradle = (SDK / "java" / "build.gradle").read_text()
    assert f'? "{__version__}"' in gradle  # the version it builds as, and writes into plugin.json with name "nuon"
    assert re.search(r'builder \{\s*resource true\s*name "nuon"\s*version resolvedVersion\s*\}', gradle), gradle
    base = LANGUAGE["java"]["basePackage"]
    assert f'group = "{base}"' in gradle
    assert base != "com.pulumi" and not base.startswith("com.pulumi.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_input_and_output_has_its_doc_in_the_sdk(language: str) -> None:
    """IDEs show the option table's docs: each one's first sentence is in that language's SDK."""

    def words(text: str) -> str:  # comment markers and line breaks aside
        return " ".join(text.replace("//", " ").replace("*", " ").replace("#", " ").split())

    sources = [  # Javadoc is HTML (the generator escapes `'` as &#39;): read as an IDE shows it
        html.unescape(data.decode()) if name.endswith(".java") else data.decode()
        for name, data in _files(SDK / language).items()
        if name.endswith((".ts", ".py", ".go", ".cs", ".java"))
    ]
    text = words("\n".join(sources))
    missing = []
    for spec in SPECS:
        for option in [*spec.inputs, *spec.outputs]:
            if words(in_camel_case(option.doc).split(". ")[0])[:60] not in text:
                missing.append(f"{spec.name}.{option.name}")
    assert missing == []


def test_the_nodejs_sdk_compiles() -> None:
    """tsc over sdk/nodejs with the generated tsconfig (strict), against the @pulumi/pulumi it declares."""
    build = ROOT / "tools" / "sdkgen" / "nodejs"
    if shutil.which("node") is None:
        pytest.skip("node is not installed: sdk/nodejs cannot be compiled (install Node.js 20+)")
    tsc = build / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), f"{build}/node_modules is missing: run `make test-deps` (or `npm ci` in {build})"
    done = subprocess.run(
        [str(tsc), "-p", str(build), "--noEmit"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module", ["sdk", "examples/go-gate", "tests/e2e/drive_go"])
def test_the_go_sdk_and_its_programs_build_and_vet(module: str) -> None:
    """The SDK and the Go example on it vetted and built; make e2e's driver that runs the example vetted (it is built,
    and linked, by make e2e). Offline: GOPROXY=off.

    Built with `go install` into a folder of the venv rather than `go build -o /dev/null`: the same compile and link,
    but a binary already linked from the same sources (its build id says so) is not linked again, as compiled
    packages are not compiled again. Linking the Go example is ~4 s of CPU, more than the rest of this test."""
    go = _require_go()
    env = {
        **os.environ,
        "GOFLAGS": "-mod=readonly",
        "GOPROXY": os.environ.get("GOPROXY", "off"),
        "GOBIN": str(Path(sys.prefix) / "go-bin" / module.replace("/", "-")),
    }
    steps = [["vet", "./..."]] if module.startswith("tests/") else [["vet", "./..."], ["install", "./..."]]
    for args in steps:
        done = subprocess.run(
            [go, *args], cwd=ROOT / module, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, f"go {' '.join(args)} in {module}: {done.stdout}{done.stderr}"


JAVA_BUILD = ROOT / "tools" / "sdkgen" / "java"
"""Where sdk/java is compiled from: pom.xml, Maven's stand-in for the SDK's own Gradle build (no Gradle here)."""


def _dependencies_of_the_java_sdk() -> tuple[list[str], list[str]]:
    """(sdk/java/build.gradle's `implementation` libraries, pom.xml's dependencies), each as group:artifact:version."""
    gradle = re.findall(r'^\s*implementation\("([^"]+)"\)', (SDK / "java" / "build.gradle").read_text(), re.M)
    pom = re.findall(
        r"<dependency>\s*<groupId>([^<]+)</groupId>\s*<artifactId>([^<]+)</artifactId>\s*<version>([^<]+)</version>",
        (JAVA_BUILD / "pom.xml").read_text(),
    )
    return sorted(gradle), sorted(":".join(dependency) for dependency in pom)


def test_the_java_compile_check_uses_the_sdks_own_dependencies() -> None:
    """pom.xml compiles sdk/java against what its build.gradle declares (com.pulumi:pulumi and two libraries)."""
    gradle, pom = _dependencies_of_the_java_sdk()
    assert any(name.startswith("com.pulumi:pulumi:") for name in gradle), gradle
    assert gradle == pom, "tools/sdkgen/java/pom.xml's dependencies differ from sdk/java/build.gradle's"


def _java_build_settings() -> tuple[str, str, Path]:
    """(release, source encoding, source folder) as pom.xml declares them: the javac options Maven's compile uses."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ET.parse(JAVA_BUILD / "pom.xml").getroot()
    release = pom.findtext("m:properties/m:maven.compiler.release", namespaces=ns)
    encoding = pom.findtext("m:properties/m:project.build.sourceEncoding", namespaces=ns)
    sources = pom.findtext("m:build/m:sourceDirectory", namespaces=ns)
    assert release and encoding and sources, "tools/sdkgen/java/pom.xml lost its release, encoding or sourceDirectory"
    return release, encoding, Path(sources.replace("${project.basedir}", str(JAVA_BUILD))).resolve()


def _java_compile_classpath(mvn: str) -> str:
    """The compile classpath Maven gives javac for pom.xml (its dependencies' jars in ~/.m2, compile scope: what
    `mvn compile` passes as -classpath), resolved once per pom.xml (its SHA-256 names the file, in the venv) by the
    dependency plugin, offline. The jars are released versions, which do not change; one gone is resolved again."""
    import hashlib

    pom = JAVA_BUILD / "pom.xml"
    cached = Path(sys.prefix) / "java-classpath" / f"{hashlib.sha256(pom.read_bytes()).hexdigest()}.txt"
    if cached.exists() and all(Path(jar).is_file() for jar in cached.read_text().split(os.pathsep)):
        return cached.read_text()
    cached.parent.mkdir(exist_ok=True)
    written = cached.with_suffix(f".{os.getpid()}")
    resolve = ["dependency:build-classpath", "-DincludeScope=compile", f"-Dmdep.outputFile={written}"]
    done = subprocess.run(
        [mvn, "-q", "-B", "-o", "-f", str(pom), *resolve],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}{done.stderr}\n(offline: run `make test-deps` first)"
    written.replace(cached)
    return cached.read_text()


def test_the_java_sdk_compiles(tmp_path: Path) -> None:
    """javac (Java 17, --release 11 as build.gradle's toolchain says) over sdk/java, offline: `make test-deps`
    fetched the libraries (make java-deps).

    javac is run as `mvn compile` runs it over pom.xml (the pom's release, encoding and sources, Maven's default -g,
    the compile classpath Maven resolves from the pom), without Maven's own start: checked to write the same class
    files byte for byte. The JVM runs with C1 only and the serial collector (fewer compiler and GC threads for a
    run of a second or two). 6.5 s -> 1.7 s of CPU (the test, median of 5 interleaved pairs)."""
    mvn, javac = shutil.which("mvn"), shutil.which("javac")
    if mvn is None or javac is None:
        pytest.skip("mvn or javac is not installed: sdk/java cannot be compiled (install Java 11+ and Maven)")
    release, encoding, sources = _java_build_settings()
    files = sorted(str(p) for p in sources.rglob("*.java"))
    assert files, f"no Java sources in {sources}"
    jvm = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"]
    options = ["-g", "--release", release, "-encoding", encoding, "-classpath", _java_compile_classpath(mvn)]
    done = subprocess.run(
        [javac, *jvm, *options, "-d", str(tmp_path / "classes"), *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}{done.stderr}"
    classes = {p.relative_to(tmp_path / "classes").as_posix() for p in (tmp_path / "classes").rglob("*.class")}
    base = LANGUAGE["java"]["basePackage"].replace(".", "/")
    assert {f"{base}/nuon/DeployGate.class", f"{base}/nuon/NuonFunctions.class"} <= classes, sorted(classes)


def test_the_python_sdk_type_checks() -> None:
    """mypy (default strictness, Python 3.10 like the package) over the generated Python: only the generator's
    known errors, each still there.

    Its cache is kept in the venv, as `make test`'s own mypy keeps .mypy_cache: mypy re-checks what changed and
    reports the same errors from a warm cache (2.3 s -> 0.2 s of CPU when nothing changed)."""
    package = SDK / "python" / LANGUAGE["python"]["packageName"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "",
            "--python-version",
            "3.10",
            "--cache-dir",
            str(Path(sys.prefix) / "mypy-cache-sdk"),
            "--no-error-summary",
            "--hide-error-context",
            str(package.relative_to(ROOT)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors = sorted(line for line in done.stdout.splitlines() if ": error: " in line)
    known = sorted(line for line in _MYPY_KNOWN.read_text().splitlines() if line and not line.startswith("#"))
    assert errors == known, done.stdout + done.stderr


def test_the_nodejs_host_infers_the_plugin_from_the_installed_sdk() -> None:
    """What Pulumi's Node.js host reports as the program's required plugins (pulumi-language-nodejs:
    getPackagesFromDir and getPackageInfo, read at v3.260): each package.json under node_modules whose `pulumi`
    section says `resource`, by the section's `name` (a package outside @pulumi/ must give it), its `version` (else the
    package's) prefixed `v`, and its `server`. In the TypeScript gate example, which installs sdk/nodejs's build:
    exactly `nuon` at this version, with no server (the schema has no pluginDownloadURL)."""
    modules = ROOT / "examples" / "typescript-gate" / "node_modules"
    if not (modules / ".installed").exists():
        pytest.skip(f"{modules} is not installed (needs npm): run `make test-deps`")
    required = []
    for path in sorted(modules.rglob("package.json")):
        try:
            info = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # the host records an error and goes on; no plugin comes from it
        section = info.get("pulumi") if isinstance(info, dict) else None
        if isinstance(section, dict) and section.get("resource"):
            version = section.get("version") or info["version"]
            version = version if version.startswith("v") else f"v{version}"
            required.append((info["name"], section.get("name"), version, section.get("server", "")))
    assert required == [(LANGUAGE["nodejs"]["packageName"], "nuon", f"v{__version__}", "")]
