"""The release an image tag plays, and the flags each release has.

Covers: tags of registry.k8s.io, bitnami and with a digest; every tag from v0.14.0 to the newest minor plays the
table's entry at or below it, named by the tag; older, newer and non-version tags play nothing (main then
plays the newest and says so); `--annotation-prefix` from v0.20.0 with its default per release and
external-dns' validation; `--txt-new-format-only` in v0.16/v0.17 only; `--registry` values per release
with kingpin's enum error; a bad flag is one fatal "flag parsing error" line from main.
"""

import json
import re

import pytest

from podid.workloads.externaldns.config import parse_args, validate
from podid.workloads.externaldns.errors import ConfigError
from podid.workloads.externaldns.main import main
from podid.workloads.externaldns.release import ALPHA_PREFIX, GA_PREFIX, NEWEST, Release, image_tag, release_for

REQUIRED = ["--source=service", "--provider=inmemory"]
LINE = re.compile(r'time="[^"]+" level=(\w+) msg=(.*)')


def played(tag: str) -> Release:
    release = release_for(tag)
    assert release is not None
    return release


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("registry.k8s.io/external-dns/external-dns:v0.22.0", "v0.22.0"),
        ("docker.io/bitnami/external-dns:0.14.2-debian-12-r5", "0.14.2-debian-12-r5"),
        ("registry.k8s.io/external-dns/external-dns:v0.14.2@sha256:0123abcd", "v0.14.2"),
        ("localhost:5000/external-dns", ""),
    ],
)
def test_image_tag(image, tag):
    assert image_tag(image) == tag


@pytest.mark.parametrize(
    ("tag", "version", "old_format", "prefix"),
    [
        ("v0.14.2", "v0.14.2", True, ALPHA_PREFIX),
        ("0.14.2-debian-12-r5", "v0.14.2", True, ALPHA_PREFIX),
        ("v0.17.0", "v0.17.0", True, ALPHA_PREFIX),
        ("v0.18.0", "v0.18.0", False, ALPHA_PREFIX),
        ("v0.21.0", "v0.21.0", False, ALPHA_PREFIX),
        ("v0.22.0", "v0.22.0", False, GA_PREFIX),
        ("v0.22.7", "v0.22.7", False, GA_PREFIX),
    ],
)
def test_known_tags(tag, version, old_format, prefix):
    release = played(tag)
    assert (release.version, release.txt_old_format, release.annotation_prefix) == (version, old_format, prefix)


@pytest.mark.parametrize("tag", ["v0.13.6", "v0.23.0", "v1.0.0", "latest", ""])
def test_unknown_tags(tag):
    assert release_for(tag) is None


def test_newest_is_the_newest_upstream_tag():
    assert NEWEST.version == "v0.22.0"


@pytest.mark.parametrize(
    ("tag", "argv", "prefix"),
    [
        ("v0.20.0", [], ALPHA_PREFIX),
        ("v0.20.0", ["--annotation-prefix=internal.example.io/"], "internal.example.io/"),
        ("v0.22.0", [], GA_PREFIX),
        ("v0.22.0", [f"--annotation-prefix={ALPHA_PREFIX}"], ALPHA_PREFIX),
    ],
)
def test_annotation_prefix(tag, argv, prefix):
    assert parse_args([*REQUIRED, *argv], played(tag)).annotation_prefix == prefix


def test_annotation_prefix_flag_is_unknown_before_v0_20():
    with pytest.raises(ConfigError, match="unrecognized arguments: --annotation-prefix=x/"):
        parse_args([*REQUIRED, "--annotation-prefix=x/"], played("v0.19.0"))


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "--annotation-prefix cannot be empty"), ("no-slash", "--annotation-prefix must end with '/'")],
)
def test_annotation_prefix_validation(value, message):
    with pytest.raises(ConfigError) as raised:
        validate(parse_args([*REQUIRED, f"--annotation-prefix={value}"]))
    assert str(raised.value) == message


@pytest.mark.parametrize(("tag", "accepted"), [("v0.15.1", False), ("v0.16.0", True), ("v0.18.0", False)])
def test_txt_new_format_only_flag(tag, accepted):
    argv = [*REQUIRED, "--txt-new-format-only"]
    if accepted:
        assert parse_args(argv, played(tag)).txt_new_format_only
        return
    with pytest.raises(ConfigError, match="unrecognized arguments: --txt-new-format-only"):
        parse_args(argv, played(tag))


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("v0.14.2", "enum value must be one of txt,noop,dynamodb,aws-sd, got 'crd'"),
        ("v0.21.0", "enum value must be one of txt,noop,dynamodb,aws-sd, got 'crd'"),
        ("v0.22.0", None),
    ],
)
def test_registry_values(tag, message):
    argv = [*REQUIRED, "--registry=crd"]
    if message is None:
        assert parse_args(argv, played(tag)).registry == "crd"
        return
    with pytest.raises(ConfigError) as raised:
        parse_args(argv, played(tag))
    assert str(raised.value) == message


def logged(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        level, message = LINE.fullmatch(line).groups()  # type: ignore[union-attr]
        found.append((level, json.loads(message) if message.startswith('"') else message))
    return found


def test_a_bad_flag_is_one_fatal_line(capsys):
    image = "registry.k8s.io/external-dns/external-dns:v0.21.0"
    assert main([*REQUIRED, "--registry=crd"], image) == 1
    expected = "flag parsing error: enum value must be one of txt,noop,dynamodb,aws-sd, got 'crd'"
    assert logged(capsys.readouterr().err) == [("fatal", expected)]


def test_an_unknown_tag_plays_the_newest_and_says_so(capsys):
    assert main([*REQUIRED, "--annotation-prefix=no-slash"], "registry.k8s.io/external-dns/external-dns:latest") == 1
    lines = logged(capsys.readouterr().err)
    warning = "Image tag 'latest' names no known external-dns release; behaving as v0.22.0"
    assert lines[0] == ("warning", warning)
    assert lines[-1] == ("fatal", "config validation failed: --annotation-prefix must end with '/'")
