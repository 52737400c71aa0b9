"""Config files: _base_ inheritance, _delete_, custom_imports, attribute access, overrides."""

import copy
import math
import os
import pickle
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import pytest

import jaxoptim
from jaxoptim.config import Config, import_custom_modules, parse_cfg_options, to_dict
from jaxoptim.registry import OPTIMIZERS

CONFIGS = os.path.join(os.path.dirname(__file__), "data", "configs")
_REAL = Path(__file__).parent / "data" / "real_configs"


def _path(name):
    return os.path.join(CONFIGS, name)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


# ---------------------------------------------------------------------------- attribute access


def test_attribute_access_at_every_level():
    cfg = Config(
        optimizer=dict(type="SGD", paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.1)})),
        param_scheduler=[dict(type="LinearLR", end=5), dict(type="MultiStepLR")],
        pair=(dict(a=1), 2),
    )
    assert cfg.optimizer.type == "SGD"
    assert cfg.optimizer.paramwise_cfg.custom_keys["head"].lr_mult == 0.1
    assert cfg.param_scheduler[0].end == 5
    assert cfg.pair[0].a == 1 and isinstance(cfg.pair, tuple)
    assert isinstance(cfg.optimizer, Config) and isinstance(cfg.param_scheduler[1], Config)
    cfg.optimizer.lr = 0.5
    cfg.fp16 = dict(loss_scale="dynamic")
    assert cfg["optimizer"]["lr"] == 0.5 and cfg.fp16.loss_scale == "dynamic"
    del cfg.fp16
    assert "fp16" not in cfg
    assert cfg == to_dict(cfg)  # still equal to plain dicts


def test_missing_attribute_names_the_key():
    cfg = Config(optimizer=dict(type="SGD"))
    with pytest.raises(AttributeError, match="no key 'lr'.*'type'"):
        _ = cfg.optimizer.lr
    with pytest.raises(AttributeError, match="no key 'lr_config'"):
        _ = cfg.lr_config
    with pytest.raises(AttributeError, match="no key 'nope'"):
        del cfg.nope
    assert cfg.get("lr_config") is None


def test_copy_pickle_and_deepcopy_keep_type_and_filename():
    cfg = Config.fromfile(_path("adamw_delete.py"))
    for clone in (copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg)), cfg.copy()):
        assert isinstance(clone, Config) and clone == cfg
        assert clone.filename == cfg.filename
        assert clone.optimizer.type == "AdamW"


def test_to_dict_makes_plain_dicts_of_any_mapping():
    from types import MappingProxyType

    cfg = Config(a=dict(b=[dict(c=1)], t=(dict(d=2),)))
    plain = to_dict(cfg)
    assert plain == {"a": {"b": [{"c": 1}], "t": ({"d": 2},)}}
    assert type(plain["a"]) is dict and type(plain["a"]["b"][0]) is dict
    assert type(plain["a"]["t"][0]) is dict
    assert to_dict(MappingProxyType({"x": MappingProxyType({"y": 1})})) == {"x": {"y": 1}}
    with pytest.raises(TypeError, match="expects a mapping, got list"):
        to_dict([1])


def test_mmengine_config_is_accepted():
    mmengine = pytest.importorskip("mmengine")
    mm = mmengine.Config(dict(optimizer=dict(type="SGD", lr=0.1), steps=[dict(a=1)]))
    assert to_dict(mm) == {"optimizer": {"type": "SGD", "lr": 0.1}, "steps": [{"a": 1}]}
    cfg = Config(mm)
    assert cfg.optimizer.lr == 0.1 and cfg.steps[0].a == 1


# ---------------------------------------------------------------------------- fromfile


def test_fromfile_delete_replaces_and_merges_recursively():
    cfg = Config.fromfile(_path("adamw_delete.py"))
    assert cfg.filename == _path("adamw_delete.py")
    assert to_dict(cfg) == {
        "optimizer": {"type": "AdamW", "lr": 1e-4, "weight_decay": 0.05},
        "optimizer_config": {"grad_clip": {"max_norm": 35, "norm_type": 2}},
        "lr_config": {
            "policy": "step",
            "warmup": "linear",
            "warmup_iters": 500,
            "warmup_ratio": 0.001,
            "step": [16, 22],
        },
        "runner": {"type": "EpochBasedRunner", "max_epochs": 12},
        "fp16": {"loss_scale": 512.0},
    }


def test_fromfile_without_delete_keeps_base_keys():
    cfg = Config.fromfile(_path("adamw_no_delete.py"))
    assert to_dict(cfg.optimizer) == {
        "type": "AdamW",
        "lr": 1e-4,
        "momentum": 0.9,
        "weight_decay": 0.05,
    }


def test_fromfile_nested_bases_filters_private_modules_functions():
    cfg = Config.fromfile(os.path.join(CONFIGS, "sub", "..", "sub", "grandchild.py"))
    assert cfg.filename == _path(os.path.join("sub", "grandchild.py"))
    assert set(cfg) == {
        "optimizer",
        "optimizer_config",
        "lr_config",
        "runner",
        "fp16",
        "param_scheduler",
        "betas_hint",
        "pi",
        "max_norm",
    }
    assert cfg.optimizer.type == "AdamW" and cfg.optimizer.weight_decay == 0.05
    assert cfg.optimizer.paramwise_cfg.custom_keys["backbone.stem"].lr_mult == 0.1
    assert cfg.fp16.loss_scale == "dynamic"
    assert cfg.lr_config.step == [16, 22]
    assert cfg.pi == math.pi and cfg.max_norm == math.inf


# (grandchild.py imports a module at top level, which mmengine reads as a "lazy import" config.)
@pytest.mark.parametrize("name", ["adamw_delete.py", "adamw_no_delete.py"])
def test_fromfile_matches_mmengine(name):
    mmengine = pytest.importorskip("mmengine")
    ours = to_dict(Config.fromfile(_path(name)))
    theirs = mmengine.Config.fromfile(_path(name)).to_dict()
    assert ours == theirs


def test_delete_on_a_key_the_base_lacks_is_an_error(tmp_path):
    _write(tmp_path, "base.py", "optimizer = dict(type='SGD', lr=0.1)\n")
    child = _write(
        tmp_path,
        "child.py",
        """
        _base_ = 'base.py'
        momentum_config = dict(_delete_=True, policy='cyclic')
        """,
    )
    with pytest.raises(KeyError, match="`momentum_config` sets `_delete_=True`"):
        Config.fromfile(child)
    nested = _write(
        tmp_path,
        "nested.py",
        """
        _base_ = 'base.py'
        optimizer = dict(paramwise_cfg=dict(_delete_=True, norm_decay_mult=0.0))
        """,
    )
    with pytest.raises(KeyError, match="`optimizer.paramwise_cfg` sets `_delete_=True`"):
        Config.fromfile(nested)


def test_delete_false_is_dropped_and_never_survives(tmp_path):
    _write(tmp_path, "base.py", "optimizer = dict(type='SGD', lr=0.1)\n")
    child = _write(
        tmp_path,
        "child.py",
        """
        _base_ = 'base.py'
        optimizer = dict(_delete_=False, lr=0.2)
        extra = dict(_delete_=False, items=[dict(_delete_=False, a=1)])
        """,
    )
    cfg = Config.fromfile(child)
    assert to_dict(cfg) == {
        "optimizer": {"type": "SGD", "lr": 0.2},
        "extra": {"items": [{"a": 1}]},
    }


def test_dict_onto_non_dict_base_suggests_delete(tmp_path):
    _write(tmp_path, "base.py", "optimizer_config = dict(grad_clip=None)\n")
    child = _write(
        tmp_path,
        "child.py",
        "_base_ = 'base.py'\noptimizer_config = dict(grad_clip=dict(max_norm=35))\n",
    )
    with pytest.raises(TypeError, match=r"`optimizer_config.grad_clip` is a dict.*_delete_=True"):
        Config.fromfile(child)


def test_duplicate_keys_across_bases_name_both_files():
    with pytest.raises(KeyError) as info:
        Config.fromfile(_path("sub/dup_child.py"))
    msg = info.value.args[0]
    assert "`runner`" in msg and _path("sub/dup_a.py") in msg and _path("sub/dup_b.py") in msg


def test_missing_file_and_missing_base(tmp_path):
    missing = str(tmp_path / "nope.py")
    with pytest.raises(FileNotFoundError, match="nope.py"):
        Config.fromfile(missing)
    child = _write(tmp_path, "child.py", "_base_ = ['gone.py']\n")
    with pytest.raises(FileNotFoundError, match="gone.py"):
        Config.fromfile(child)


def test_syntax_error_names_the_file(tmp_path):
    bad = _write(tmp_path, "broken.py", "optimizer = dict(type='SGD'\n")
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(bad)
    assert info.value.filename == bad and "broken.py" in str(info.value)


def test_bad_base_and_cycles(tmp_path):
    bad = _write(tmp_path, "bad.py", "_base_ = 3\n")
    with pytest.raises(TypeError, match="`_base_`.*bad.py"):
        Config.fromfile(bad)
    _write(tmp_path, "a.py", "_base_ = 'b.py'\n")
    _write(tmp_path, "b.py", "_base_ = 'a.py'\n")
    with pytest.raises(ValueError, match="cycle"):
        Config.fromfile(str(tmp_path / "a.py"))


# ---------------------------------------------------------------------------- custom_imports


@pytest.fixture
def clean_custom_optimizer():
    yield
    OPTIMIZERS._module_dict.pop("JaxoptimTestCustomOptimizer", None)
    sys.modules.pop("jaxoptim_test_custom_optimizer", None)


def test_custom_imports_registers_a_module_next_to_the_config(clean_custom_optimizer):
    assert "JaxoptimTestCustomOptimizer" not in OPTIMIZERS
    path_before = list(sys.path)
    cfg = Config.fromfile(_path("with_custom_import.py"))
    assert sys.path == path_before  # the config's directory was only added temporarily
    assert cfg.custom_imports.imports == ["jaxoptim_test_custom_optimizer"]
    tx = OPTIMIZERS.get(cfg.optimizer.type)(lr=cfg.optimizer.lr)
    state = tx.init({"w": jnp.ones(2)})
    assert float(state.hyperparams["lr"][0]) == 0.5


def test_a_module_name_shadowed_by_another_config_dir_is_an_error(tmp_path):
    name = "jaxoptim_test_shadowed_module"
    for sub in ("one", "two"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / f"{name}.py").write_text(f"WHERE = {sub!r}\n")
        (tmp_path / sub / "cfg.py").write_text(f"custom_imports = dict(imports=[{name!r}])\n")
    try:
        Config.fromfile(str(tmp_path / "one" / "cfg.py"))
        assert sys.modules[name].WHERE == "one"
        # mmcv would hand the second config the first directory's module without a word
        with pytest.raises(ImportError, match=rf"{name}.*already imported from .*one.*two"):
            Config.fromfile(str(tmp_path / "two" / "cfg.py"))
        Config.fromfile(str(tmp_path / "one" / "cfg.py"))  # the same file again is fine
    finally:
        sys.modules.pop(name, None)


def test_custom_imports_failures(tmp_path):
    missing = _write(
        tmp_path, "m.py", "custom_imports = dict(imports='jaxoptim_no_such_module_xyz')\n"
    )
    with pytest.raises(ModuleNotFoundError, match="jaxoptim_no_such_module_xyz"):
        Config.fromfile(missing)
    allowed = _write(
        tmp_path,
        "a.py",
        "custom_imports = dict(imports=['jaxoptim_no_such_module_xyz', 'math'],"
        " allow_failed_imports=True)\n",
    )
    with pytest.warns(UserWarning, match="jaxoptim_no_such_module_xyz"):
        cfg = Config.fromfile(allowed)
    assert cfg.custom_imports.allow_failed_imports is True
    with pytest.warns(UserWarning):
        modules = import_custom_modules(cfg.custom_imports)
    assert modules == [None, math]
    bad = _write(tmp_path, "b.py", "custom_imports = dict(imports=3)\n")
    with pytest.raises(TypeError, match="`custom_imports.imports` must be a str or a list"):
        Config.fromfile(bad)
    with pytest.raises(TypeError, match="entries must be str"):
        import_custom_modules(dict(imports=["math", 1]))
    with pytest.raises(TypeError, match=r"unknown key\(s\) \['import'\]"):
        import_custom_modules({"import": ["math"]})
    with pytest.raises(TypeError, match="`custom_imports` must be a dict"):
        import_custom_modules(["math"])


# ---------------------------------------------------------------------------- overrides


def test_merge_from_dict_dotted_keys_and_list_indices():
    cfg = Config.fromfile(_path("adamw_delete.py"))
    cfg.merge_from_dict(
        {
            "optimizer.lr": 0.1,
            "lr_config.step.0": 5,
            "fp16.loss_scale": "dynamic",
            "new.deep.key": 1,
            "runner": dict(max_epochs=24),
        }
    )
    assert cfg.optimizer.lr == 0.1 and cfg.optimizer.type == "AdamW"
    assert cfg.lr_config.step == [5, 22]
    assert cfg.fp16.loss_scale == "dynamic"
    assert cfg.new.deep.key == 1
    assert to_dict(cfg.runner) == {"type": "EpochBasedRunner", "max_epochs": 24}
    assert cfg.filename == _path("adamw_delete.py")
    cfg.merge_from_dict({"optimizer": dict(_delete_=True, type="SGD", lr=0.3)})
    assert to_dict(cfg.optimizer) == {"type": "SGD", "lr": 0.3}
    cfg2 = Config(scheds=[dict(type="A", end=5), dict(type="B")])
    cfg2.merge_from_dict({"scheds.1.gamma": 0.5})
    assert to_dict(cfg2) == {"scheds": [{"type": "A", "end": 5}, {"type": "B", "gamma": 0.5}]}


def test_merge_from_dict_errors_name_the_key():
    cfg = Config(lr_config=dict(step=[8, 11]), optimizer=dict(lr=0.1))
    with pytest.raises(KeyError, match=r"`lr_config.step.2`: index 2 is out of range"):
        cfg.merge_from_dict({"lr_config.step.2": 5})
    with pytest.raises(TypeError, match="`lr_config.step` is a list; index it by number"):
        cfg.merge_from_dict({"lr_config.step.first": 5})
    with pytest.raises(TypeError, match=r"`optimizer.lr` is a dict.*float"):
        cfg.merge_from_dict({"optimizer.lr.value": 5})
    assert to_dict(cfg) == {"lr_config": {"step": [8, 11]}, "optimizer": {"lr": 0.1}}


def test_parse_cfg_options():
    parsed = parse_cfg_options(
        ["a.b=1", "c=[1,2]", "d=dynamic", "e = True", "f=None", "g=1e-3", "h=a=b", "a.b=2"]
    )
    assert parsed == {
        "a.b": 2,
        "c": [1, 2],
        "d": "dynamic",
        "e": True,
        "f": None,
        "g": 1e-3,
        "h": "a=b",
    }
    with pytest.raises(ValueError, match="'novalue'"):
        parse_cfg_options(["novalue"])
    with pytest.raises(ValueError, match="'=3'"):
        parse_cfg_options(["=3"])
    cfg = Config(optimizer=dict(lr=0.1))
    cfg.merge_from_dict(parse_cfg_options(["optimizer.lr=0.5", "optimizer.betas=(0.9,0.99)"]))
    assert to_dict(cfg) == {"optimizer": {"lr": 0.5, "betas": (0.9, 0.99)}}


# ---------------------------------------------------------------------------- pretty_text / dump


def test_pretty_text_round_trips_through_fromfile(tmp_path):
    cfg = Config.fromfile(_path("sub/grandchild.py"))
    cfg.merge_from_dict({"odd": {"not an identifier": (1,), "class": [None, -0.0, b"x"]}})
    out = tmp_path / "dumped" / "cfg.py"
    cfg.dump(out)
    text = out.read_text()
    assert text == cfg.pretty_text()
    assert "max_norm = float('inf')" in text
    assert "optimizer = dict(\n" in text  # long values are split over lines
    again = Config.fromfile(out)
    assert to_dict(again) == to_dict(cfg)
    assert isinstance(again.betas_hint, tuple) and isinstance(again.odd["not an identifier"], tuple)


def test_pretty_text_rejects_non_literals():
    cfg = Config(optimizer=dict(schedule=lambda step: step))
    with pytest.raises(TypeError, match="`optimizer.schedule`"):
        cfg.pretty_text()


# ---------------------------------------------------------------------------- real-config syntax


def _write_all(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_base_references_in_braces_and_bare(tmp_path):
    _write_all(
        tmp_path,
        {
            "base.py": "lr = 0.1\noptimizer = dict(type='SGD', lr=0.1, momentum=0.9)\n",
            "child.py": (
                "_base_ = './base.py'\n"
                "optimizer = dict(lr={{_base_.lr}} * 2 if False else {{ _base_.optimizer.lr }})\n"
                "name = 'x{{_base_.lr}}'\n"
                "_base_.optimizer.momentum = 0.5\n"
                "copied = _base_.optimizer.type\n"
            ),
        },
    )
    cfg = Config.fromfile(tmp_path / "child.py")
    assert cfg.optimizer == {"type": "SGD", "lr": 0.1, "momentum": 0.5}
    assert cfg.copied == "SGD"
    assert cfg.name.startswith('x"_lr_')  # inside a string the placeholder stays a string
    _write_all(tmp_path, {"bad.py": "_base_ = './base.py'\nx = {{_base_.nope}}\n"})
    with pytest.raises(KeyError, match="nope"):
        Config.fromfile(tmp_path / "bad.py")


def test_delete_on_a_missing_key_warns_outside_our_sections_and_raises_inside(tmp_path):
    _write_all(
        tmp_path,
        {
            "base.py": "optimizer = dict(type='SGD', lr=0.1)\n",
            "model.py": "_base_ = './base.py'\nmodel = dict(_delete_=True, depth=50)\n",
            "optim.py": "_base_ = './base.py'\nlr_config = dict(_delete_=True, policy='step')\n",
        },
    )
    with pytest.warns(UserWarning, match="`model` sets `_delete_=True`"):
        assert Config.fromfile(tmp_path / "model.py").model == {"depth": 50}
    with pytest.raises(KeyError, match="lr_config"):
        Config.fromfile(tmp_path / "optim.py")


def test_misspelled_delete_is_caught_by_the_section_checks():
    # mmpretrain 0.x's twins-pcpvt-base_8xb128_in1k.py writes `_delete=True` in paramwise_cfg.
    cfg = Config.fromfile(
        _REAL / "open-mmlab__mmpretrain/mmcls-0.x/configs/twins/twins-pcpvt-base_8xb128_in1k.py"
    )
    assert cfg.optimizer.paramwise_cfg["_delete"] is True
    with pytest.raises(Exception, match="_delete"):
        jaxoptim.make_optimizer(to_dict(cfg.optimizer))


def test_json_and_yaml_configs(tmp_path):
    _write_all(
        tmp_path,
        {
            "base.py": "optimizer = dict(type='SGD', lr=0.1)\nrunner = dict(max_epochs=2)\n",
            "c.json": '{"_base_": "./base.py", "optimizer": {"lr": 0.2}}',
            "c.yaml": "_base_: ./c.json\nrunner:\n  max_epochs: 3\n",
        },
    )
    assert to_dict(Config.fromfile(tmp_path / "c.json")) == {
        "optimizer": {"type": "SGD", "lr": 0.2},
        "runner": {"max_epochs": 2},
    }
    pytest.importorskip("yaml")
    cfg = Config.fromfile(tmp_path / "c.yaml")
    assert cfg.optimizer.lr == 0.2 and cfg.runner.max_epochs == 3


def test_pure_python_config_reads_imports_lazily(tmp_path):
    _write_all(
        tmp_path,
        {
            "_base_/sched.py": (
                "from mmengine.optim import CosineAnnealingLR\n"
                "from torch.optim import AdamW\n"
                "import not_installed_pkg.sub as sub\n"
                "optim_wrapper = dict(optimizer=dict(type=AdamW, lr=1e-3, betas=(0.9, 0.999)))\n"
                "param_scheduler = [dict(type=CosineAnnealingLR, by_epoch=True)]\n"
                "model = dict(type=sub.Net)\n"
            ),
            "cfg/child.py": (
                "from mmengine.config import read_base\n"
                "with read_base():\n"
                "    from .._base_.sched import *\n"
                "optim_wrapper.update(dict(optimizer=dict(lr=2e-3)))\n"
                "param_scheduler[0].update(eta_min=1e-5)\n"
            ),
        },
    )
    cfg = Config.fromfile(tmp_path / "cfg/child.py")
    assert to_dict(cfg.optim_wrapper) == {
        "optimizer": {"type": "AdamW", "lr": 2e-3, "betas": (0.9, 0.999)}
    }
    assert to_dict(cfg.param_scheduler[0]) == {
        "type": "CosineAnnealingLR",
        "by_epoch": True,
        "eta_min": 1e-5,
    }
    assert cfg.model.type == "Net"
    assert "AdamW" not in cfg  # the imported names are not keys
    assert type(cfg.optim_wrapper.optimizer.type) is str


def test_package_scoped_base_names_the_missing_package(tmp_path):
    _write_all(tmp_path, {"c.py": "_base_ = 'no_such_pkg_xyz::_base_/schedule_1x.py'\n"})
    with pytest.raises(ModuleNotFoundError, match="'no_such_pkg_xyz' is not installed"):
        Config.fromfile(tmp_path / "c.py")
    _write_all(
        tmp_path,
        {
            "p.py": "from mmengine.config import read_base\nwith read_base():\n"
            "    from no_such_pkg_xyz.configs._base_.x import *\n"
        },
    )
    with pytest.raises(ModuleNotFoundError, match="no_such_pkg_xyz"):
        Config.fromfile(tmp_path / "p.py")


def test_package_scoped_base_resolves_in_an_installed_package(tmp_path, monkeypatch):
    _write_all(
        tmp_path,
        {
            "fakepkg_cfg/__init__.py": "",
            "fakepkg_cfg/.mim/configs/_base_/s.py": "optimizer = dict(type='SGD', lr=0.3)\n",
            "c.py": "_base_ = 'fakepkg_cfg::_base_/s.py'\noptimizer = dict(lr=0.4)\n",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert to_dict(Config.fromfile(tmp_path / "c.py")) == {"optimizer": {"type": "SGD", "lr": 0.4}}
