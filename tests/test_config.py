"""Tests for vial.config: Config's loaders and the ConfigAttribute descriptor."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import tomllib
import types
from datetime import timedelta
from pathlib import Path

import pytest

from vial.config import Config, ConfigAttribute


@pytest.fixture(autouse=True)
def _no_vial_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide VIAL_* variables of the surrounding shell (CI sets some) from every test."""
    for key in list(os.environ):
        if key.startswith("VIAL_"):
            monkeypatch.delenv(key)


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


# -- construction


def test_defaults_and_root_path(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": False})
    assert config == {"DEBUG": False}
    assert config.root_path == tmp_path
    assert isinstance(config, dict)


def test_defaults_are_copied() -> None:
    defaults = {"A": 1}
    config = Config(".", defaults)
    config["A"] = 2
    assert defaults == {"A": 1}


def test_no_defaults() -> None:
    assert Config(".") == {}


def test_repr() -> None:
    assert repr(Config(".", {"A": 1})) == "<Config {'A': 1}>"

    class Settings(Config):
        pass

    assert repr(Settings(".")) == "<Settings {}>"


# -- from_mapping


def test_from_mapping_keeps_uppercase_keys() -> None:
    config = Config(".")
    assert config.from_mapping({"SECRET_KEY": "s", "lower": 1, "Mixed": 2}) is True
    assert config == {"SECRET_KEY": "s"}


def test_from_mapping_kwargs_override_mapping() -> None:
    config = Config(".")
    config.from_mapping({"A": 1, "B": 2}, B=3, C=4, d=5)
    assert config == {"A": 1, "B": 3, "C": 4}


def test_from_mapping_without_arguments() -> None:
    config = Config(".", {"A": 1})
    assert config.from_mapping() is True
    assert config == {"A": 1}


# -- from_object


def test_from_object_module() -> None:
    module = types.ModuleType("settings")
    module.DEBUG = True
    module.helper = "ignored"
    config = Config(".")
    assert config.from_object(module) is None
    assert config == {"DEBUG": True}


def test_from_object_class_and_inheritance() -> None:
    class Base:
        DEBUG = False
        DATABASE = "sqlite://"
        _PRIVATE = "still uppercase"

    class Development(Base):
        DEBUG = True
        lowercase = "ignored"

    config = Config(".")
    config.from_object(Development)
    assert config == {"DEBUG": True, "DATABASE": "sqlite://", "_PRIVATE": "still uppercase"}


def test_from_object_instance_reads_properties() -> None:
    class Settings:
        @property
        def DATABASE(self) -> str:
            return "postgres://"

    config = Config(".")
    config.from_object(Settings())
    assert config == {"DATABASE": "postgres://"}


def test_from_object_import_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path / "vial_test_settings.py",
        """
        SECRET_KEY = "from module"
        lower = 1

        class Production:
            SECRET_KEY = "from class"
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "vial_test_settings", raising=False)

    config = Config(".")
    config.from_object("vial_test_settings")
    assert config == {"SECRET_KEY": "from module"}
    config.from_object("vial_test_settings:Production")
    assert config["SECRET_KEY"] == "from class"
    config.from_object("vial_test_settings.Production")
    assert config["SECRET_KEY"] == "from class"


def test_from_object_bad_import_string() -> None:
    with pytest.raises(ImportError):
        Config(".").from_object("vial_no_such_settings_module")


# -- from_pyfile


def test_from_pyfile_relative_to_root_path(tmp_path: Path) -> None:
    write(
        tmp_path / "settings.cfg",
        """
        import os
        DEBUG = True
        PORT = 4000 + 1
        CONFIG_DIR = os.path.dirname(__file__)
        temporary = "ignored"
        """,
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.cfg") is True
    assert config == {"DEBUG": True, "PORT": 4001, "CONFIG_DIR": str(tmp_path)}


def test_from_pyfile_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.py", "A = 1\n")
    config = Config("/somewhere/else")
    assert config.from_pyfile(path) is True
    assert config == {"A": 1}


def test_from_pyfile_missing_file_names_the_path(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        config.from_pyfile("missing.py")
    message = str(info.value)
    assert "Unable to load configuration file" in message
    assert message.startswith(
        "[Errno 2] Unable to load configuration file (No such file or directory):"
    )
    assert str(tmp_path / "missing.py") in message
    assert info.value.filename == str(tmp_path / "missing.py")


@pytest.mark.parametrize("name", ["missing.py", ".", "file.py/child.py"])
def test_from_pyfile_silent(tmp_path: Path, name: str) -> None:
    (tmp_path / "file.py").write_text("A = 1\n")
    config = Config(tmp_path)
    assert config.from_pyfile(name, silent=True) is False
    assert config == {}


def test_from_pyfile_directory_raises_without_silent(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="Unable to load configuration file"):
        Config(tmp_path).from_pyfile(".")


def test_from_pyfile_errors_in_the_file_are_not_silenced(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "A = (\n")
    with pytest.raises(SyntaxError):
        Config(tmp_path).from_pyfile("broken.py", silent=True)

    write(tmp_path / "failing.py", "A = 1 / 0\n")
    with pytest.raises(ZeroDivisionError):
        Config(tmp_path).from_pyfile("failing.py", silent=True)


# -- from_envvar


def test_from_envvar_loads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "settings.py", "SECRET_KEY = 'env'\n")
    monkeypatch.setenv("MYAPP_SETTINGS", str(path))
    config = Config(".")
    assert config.from_envvar("MYAPP_SETTINGS") is True
    assert config == {"SECRET_KEY": "env"}


@pytest.mark.parametrize("value", [None, ""])
def test_from_envvar_unset_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("MYAPP_SETTINGS", raising=False)
    else:
        monkeypatch.setenv("MYAPP_SETTINGS", value)
    config = Config(".")
    with pytest.raises(RuntimeError, match="'MYAPP_SETTINGS' is not set") as info:
        config.from_envvar("MYAPP_SETTINGS")
    assert "silent=True" in str(info.value)
    assert config.from_envvar("MYAPP_SETTINGS", silent=True) is False


def test_from_envvar_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "missing.py"
    monkeypatch.setenv("MYAPP_SETTINGS", str(missing))
    config = Config(".")
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file") as info:
        config.from_envvar("MYAPP_SETTINGS")
    assert str(missing) in str(info.value)
    assert config.from_envvar("MYAPP_SETTINGS", silent=True) is False


# -- from_prefixed_env


def test_from_prefixed_env_parses_json_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_STRING", "text")
    monkeypatch.setenv("VIAL_QUOTED", '"quoted"')
    monkeypatch.setenv("VIAL_BOOL", "true")
    monkeypatch.setenv("VIAL_INT", "1")
    monkeypatch.setenv("VIAL_FLOAT", "1.5")
    monkeypatch.setenv("VIAL_LIST", "[1, 2]")
    monkeypatch.setenv("VIAL_DICT", '{"k": "v"}')
    monkeypatch.setenv("VIAL_NULL", "null")
    monkeypatch.setenv("OTHER_IGNORED", "1")
    monkeypatch.setenv("VIALNOUNDERSCORE", "1")

    config = Config(".")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "text",
        "QUOTED": "quoted",
        "BOOL": True,
        "INT": 1,
        "FLOAT": 1.5,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "NULL": None,
    }


def test_from_prefixed_env_custom_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_A", "1")
    monkeypatch.setenv("MYAPP_A", "2")
    config = Config(".")
    config.from_prefixed_env("MYAPP")
    assert config == {"A": 2}


def test_from_prefixed_env_custom_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_A", "3")
    monkeypatch.setenv("VIAL_B", "not a number")
    config = Config(".")
    config.from_prefixed_env(loads=int)
    assert config == {"A": 3, "B": "not a number"}


def test_from_prefixed_env_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_DB__HOST", "localhost")
    monkeypatch.setenv("VIAL_DB__PORT", "5432")
    monkeypatch.setenv("VIAL_CACHE__REDIS__URL", "redis://")
    monkeypatch.setenv("VIAL_EXISTING__NEW", "true")
    config = Config(".", {"EXISTING": {"OLD": 1}})
    config.from_prefixed_env()
    assert config == {
        "DB": {"HOST": "localhost", "PORT": 5432},
        "CACHE": {"REDIS": {"URL": "redis://"}},
        "EXISTING": {"OLD": 1, "NEW": True},
    }


def test_from_prefixed_env_sorted_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # "VIAL_DB" sorts before "VIAL_DB__PORT", so the whole dict is set first.
    monkeypatch.setenv("VIAL_DB__PORT", "1")
    monkeypatch.setenv("VIAL_DB", '{"HOST": "h", "PORT": 0}')
    config = Config(".")
    config.from_prefixed_env()
    assert config == {"DB": {"HOST": "h", "PORT": 1}}


def test_from_prefixed_env_nested_through_a_non_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_DB__HOST", "h")
    config = Config(".", {"DB": "sqlite://"})
    with pytest.raises(TypeError, match=r"VIAL_DB__HOST.*'DB' holds a str"):
        config.from_prefixed_env()


# -- from_file


def test_from_file_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"SECRET_KEY": "j", "lower": 1}))
    config = Config(tmp_path)
    assert config.from_file("config.json", load=json.load) is True
    assert config == {"SECRET_KEY": "j"}


def test_from_file_binary_toml(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('SECRET_KEY = "t"\n[DB]\nHOST = "h"\n')
    config = Config("/elsewhere")
    assert config.from_file(path, load=tomllib.load, text=False) is True
    assert config == {"SECRET_KEY": "t", "DB": {"HOST": "h"}}


def test_from_file_missing(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError, match="Unable to load configuration file") as info:
        config.from_file("missing.json", load=json.load)
    assert str(tmp_path / "missing.json") in str(info.value)
    assert config.from_file("missing.json", load=json.load, silent=True) is False
    assert config.from_file(".", load=json.load, silent=True) is False


def test_from_file_load_errors_propagate(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        Config(tmp_path).from_file("config.json", load=json.load, silent=True)


# -- get_namespace


@pytest.fixture
def image_config() -> Config:
    return Config(
        ".",
        {
            "IMAGE_STORE_TYPE": "fs",
            "IMAGE_STORE_PATH": "/var/images",
            "IMAGE_STORE_BASE_URL": "http://img.example.com",
            "IMAGE_QUALITY": 80,
        },
    )


def test_get_namespace(image_config: Config) -> None:
    assert image_config.get_namespace("IMAGE_STORE_") == {
        "type": "fs",
        "path": "/var/images",
        "base_url": "http://img.example.com",
    }


def test_get_namespace_keep_case_and_prefix(image_config: Config) -> None:
    assert image_config.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/var/images",
        "BASE_URL": "http://img.example.com",
    }
    assert image_config.get_namespace("IMAGE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/var/images",
        "image_store_base_url": "http://img.example.com",
        "image_quality": 80,
    }
    assert image_config.get_namespace("NOTHING_") == {}


# -- ConfigAttribute


class _App:
    testing = ConfigAttribute[bool]("TESTING")
    lifetime = ConfigAttribute[timedelta](
        "LIFETIME", get_converter=lambda v: v if isinstance(v, timedelta) else timedelta(seconds=v)
    )

    def __init__(self) -> None:
        self.config = Config(".", {"TESTING": False, "LIFETIME": 60})


def test_config_attribute_forwards_to_config() -> None:
    app = _App()
    assert app.testing is False
    app.testing = True
    assert app.config["TESTING"] is True
    assert app.testing is True
    app.config["TESTING"] = False
    assert app.testing is False


def test_config_attribute_converter_applies_on_read_only() -> None:
    app = _App()
    assert app.lifetime == timedelta(minutes=1)
    app.lifetime = 30
    assert app.config["LIFETIME"] == 30
    assert app.lifetime == timedelta(seconds=30)


def test_config_attribute_on_the_class() -> None:
    descriptor = _App.testing
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "TESTING"


def test_config_attribute_missing_key() -> None:
    app = _App()
    del app.config["TESTING"]
    with pytest.raises(KeyError, match="TESTING"):
        app.testing
