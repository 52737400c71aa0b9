"""Registry and build_from_cfg: mmcv 1.x's registration and building rules."""

import jax.numpy as jnp
import optax
import pytest

import jaxoptim
from jaxoptim.optimizers import SGD
from jaxoptim.registry import OPTIMIZER_BUILDERS, OPTIMIZERS, Registry, build_from_cfg


class _Point:
    def __init__(self, x, y=0):
        if x < 0:
            raise ValueError("x must be >= 0")
        self.x, self.y = x, y


def _scale(factor=1.0):
    return ("scale", factor)


def test_decorator_forms_register_under_the_right_names():
    reg = Registry("thing")

    @reg.register_module()
    class A:
        pass

    @reg.register_module(name="Bee")
    class B:
        pass

    @reg.register_module(name=["C1", "C2"])
    def c():
        return 3

    assert reg.get("A") is A
    assert reg.get("Bee") is B and reg.get("B") is None
    assert reg.get("C1") is c and reg.get("C2") is c
    assert len(reg) == 4
    assert "C2" in reg and "c" not in reg and 3 not in reg
    assert sorted(reg.module_dict) == ["A", "Bee", "C1", "C2"]


def test_call_forms_and_callable_instances():
    reg = Registry("optimizer")
    assert reg.register_module(module=_scale) is _scale
    assert reg.register_module(name="Pt", module=_Point) is _Point
    reg.register_module(module=SGD)  # an OptimizerDef registers under its `.name`
    reg.register_module(name="chain", module=optax.chain)
    assert reg.get("_scale") is _scale
    assert reg.get("Pt") is _Point
    assert reg.get("SGD") is SGD
    assert reg.get("chain") is optax.chain


def test_deprecated_positional_class_warns_and_registers():
    reg = Registry("thing")
    with pytest.warns(DeprecationWarning, match="deprecated"):
        out = reg.register_module(_Point)
    assert out is _Point and reg.get("_Point") is _Point


def test_duplicate_name_is_rejected_unless_forced():
    reg = Registry("optimizer")
    reg.register_module(name="X", module=_scale)
    with pytest.raises(KeyError, match="X is already registered in optimizer"):
        reg.register_module(name="X", module=_Point)
    assert reg.get("X") is _scale
    # An alias list is checked before anything is registered.
    with pytest.raises(KeyError, match="X is already registered"):
        reg.register_module(name=["Y", "X"], module=_Point)
    assert "Y" not in reg
    reg.register_module(name="X", module=_Point, force=True)
    assert reg.get("X") is _Point


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(force=1, module=_scale), "`force` must be a bool"),
        (dict(module=3), "only callables"),
        (dict(name=5, module=_scale), "`name` must be None, a str or a sequence of str"),
        (dict(name=["a", 1], module=_scale), "`name` must be"),
    ],
)
def test_bad_registrations_raise_type_error(kwargs, match):
    reg = Registry("thing")
    with pytest.raises(TypeError, match=match):
        reg.register_module(**kwargs)
    assert len(reg) == 0


def test_unnamed_callable_instance_needs_a_name():
    class Call:
        def __call__(self):
            return 1

    reg = Registry("thing")
    with pytest.raises(TypeError, match="pass `name=...`"):
        reg.register_module(module=Call())
    obj = Call()
    reg.register_module(name="call", module=obj)
    assert reg.get("call") is obj


def test_module_dict_is_read_only_and_repr_lists_names():
    reg = Registry("optimizer")
    reg.register_module(module=_scale)
    with pytest.raises(TypeError):
        reg.module_dict["other"] = _Point
    assert repr(reg) == "Registry(name='optimizer', items=['_scale'])"


def test_lookup_suggests_the_closest_name_case_insensitively():
    reg = Registry("optimizer")
    for name in ["AdamW", "Adam", "SGD", "RMSprop"]:
        reg.register_module(name=name, module=_scale)
    assert reg.lookup("SGD") is _scale
    with pytest.raises(KeyError) as info:
        reg.lookup("adamw")
    msg = info.value.args[0]
    assert "`type='adamw'` is not in the optimizer registry" in msg
    assert "['Adam', 'AdamW', 'RMSprop', 'SGD']" in msg
    assert msg.endswith("did you mean 'AdamW'?")
    with pytest.raises(KeyError, match="did you mean 'RMSprop'"):
        reg.lookup("RMSProp", key="optimizer.type")
    with pytest.raises(KeyError) as info:
        reg.lookup("Zzzzzz", key="constructor")
    assert "`constructor='Zzzzzz'`" in info.value.args[0]
    assert "did you mean" not in info.value.args[0]


def test_build_from_cfg_string_class_and_callable_types():
    reg = Registry("point")
    reg.register_module(module=_Point)
    p = build_from_cfg(dict(type="_Point", x=1), reg, default_args=dict(x=9, y=2))
    assert (p.x, p.y) == (1, 2)  # the config wins over default_args
    p = build_from_cfg(dict(x=4), reg, default_args=dict(type=_Point))
    assert (p.x, p.y) == (4, 0)
    assert build_from_cfg(dict(type=_scale, factor=3.0), reg) == ("scale", 3.0)
    cfg = dict(type="_Point", x=1)
    build_from_cfg(cfg, reg, default_args=dict(y=5))
    assert cfg == dict(type="_Point", x=1)  # not mutated


def test_build_from_cfg_bad_inputs():
    reg = Registry("point")
    reg.register_module(module=_Point)
    with pytest.raises(TypeError, match="cfg must be a mapping"):
        build_from_cfg([("type", "_Point")], reg)
    with pytest.raises(TypeError, match="default_args must be a mapping"):
        build_from_cfg(dict(type="_Point", x=1), reg, default_args=[1])
    with pytest.raises(KeyError, match="must contain the key 'type'"):
        build_from_cfg(dict(x=1), reg)
    with pytest.raises(KeyError, match="`type='Pointt'` is not in the point registry"):
        build_from_cfg(dict(type="Pointt", x=1), reg)
    with pytest.raises(TypeError, match="`type` must be a str or a callable"):
        build_from_cfg(dict(type=3, x=1), reg)


def test_build_from_cfg_prefixes_constructor_errors_with_the_name():
    reg = Registry("point")
    reg.register_module(module=_Point)
    with pytest.raises(ValueError) as info:
        build_from_cfg(dict(type="_Point", x=-1), reg)
    assert str(info.value) == "_Point: x must be >= 0"
    with pytest.raises(TypeError, match=r"^_Point: .*unexpected keyword argument 'z'"):
        build_from_cfg(dict(type="_Point", x=1, z=2), reg)


def test_build_from_cfg_with_a_builtin_optimizer():
    reg = Registry("optimizer")
    reg.register_module(module=SGD)
    tx = build_from_cfg(dict(type="SGD", lr=0.5), reg)
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    assert float(state.hyperparams["lr"][0]) == 0.5
    with pytest.raises(TypeError) as info:
        build_from_cfg(dict(type="SGD", lr=0.1, betas=(0.9, 0.99)), reg)
    assert str(info.value).startswith("SGD: SGD got unexpected keyword argument(s) ['betas']")
    with pytest.raises(ValueError) as info:
        build_from_cfg(dict(type="SGD", lr=-1.0), reg)
    # The definition's own message starts with "SGD: "; it is not prefixed twice.
    assert str(info.value).startswith("SGD: invalid `lr`")


def test_module_level_registries():
    assert OPTIMIZERS.name == "optimizer"
    assert OPTIMIZER_BUILDERS.name == "optimizer builder"


def test_scope_stripping_leaves_unknown_scopes_and_optax_alone():
    from jaxoptim.registry import strip_scope

    assert strip_scope("mmfoo.SGD") == "mmfoo.SGD"
    assert strip_scope("mmdet.") == "mmdet."
    with pytest.raises(KeyError, match="mmfoo.SGD"):
        jaxoptim.make_optimizer(dict(type="mmfoo.SGD", lr=0.1))


def test_a_scoped_lbfgs_gets_the_lbfgs_message():
    with pytest.raises(ValueError, match="mmengine.LBFGS.*closure"):
        jaxoptim.make_optimizer(dict(type="mmengine.LBFGS", lr=0.1))
