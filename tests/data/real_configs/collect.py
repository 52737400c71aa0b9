"""Copies real OpenMMLab config files and their whole ``_base_`` chains into this directory.

Not run by the tests: it documents how the corpus was chosen and rebuilds it from bare git
mirrors (the ``fetch`` tool's ``/work/.mirror/<owner>+<repo>/repo``)::

    python tests/data/real_configs/collect.py            # everything
    python tests/data/real_configs/collect.py --extras   # only EXTRAS, into the current SOURCES.md

For each source (repository, ref, directories, quota) it lists the config files under the
directories, ranks them by how much of the optimizer machinery they exercise (their own text
names ``optimizer``, ``paramwise_cfg``, ``param_scheduler``, ``fp16``, ``grad_clip``, layer
decay, ``{{_base_.x}}`` / ``_base_.x`` references, ``read_base`` ...), takes the best ones
round-robin over their parent directories (so one model family does not fill the quota), and
copies each with every file its ``_base_`` (or ``with read_base():`` imports) reaches, to
``<owner>__<repo>/<path>``. ``SOURCES.md`` lists repository, commit and path of every file.
Package-scoped bases (``mmdet::...``) are not copied: they name another package.
"""

import ast
import collections
import posixpath
import re
import subprocess
import sys
from pathlib import Path

MIRRORS = Path("/work/.mirror")
HERE = Path(__file__).parent

# (owner/repo, ref, directories, quota)
SOURCES = [
    ("NVlabs/SegFormer", "master", ["local_configs/segformer", "configs"], 25),
    ("SwinTransformer/Swin-Transformer-Object-Detection", "master", ["configs"], 30),
    ("SwinTransformer/Swin-Transformer-Semantic-Segmentation", "main", ["configs"], 20),
    (
        "facebookresearch/ConvNeXt",
        "main",
        ["object_detection/configs", "semantic_segmentation/configs"],
        16,
    ),  # noqa: E501
    ("whai362/PVT", "v2", ["detection/configs", "segmentation/configs"], 16),
    ("czczup/ViT-Adapter", "main", ["detection/configs", "segmentation/configs"], 26),
    ("open-mmlab/mmpretrain", "mmcls-0.x", ["configs"], 30),
    ("open-mmlab/mmaction2", "0.x", ["configs"], 18),
    ("open-mmlab/mmpose", "0.x", ["configs"], 16),
    ("open-mmlab/mmocr", "0.x", ["configs"], 14),
    ("open-mmlab/mmdetection3d", "v0.18.1", ["configs"], 14),
    ("open-mmlab/mmrotate", "main", ["configs"], 14),
    ("open-mmlab/mmpretrain", "main", ["configs"], 34),
    ("open-mmlab/mmpretrain", "main", ["mmpretrain/configs"], 16),
    ("open-mmlab/mmaction2", "main", ["configs"], 18),
    ("open-mmlab/mmpose", "main", ["configs"], 18),
    ("open-mmlab/mmocr", "main", ["configs"], 14),
    ("open-mmlab/mmdetection3d", "main", ["configs"], 14),
    ("open-mmlab/mmrotate", "1.x", ["configs"], 10),
    ("open-mmlab/mmyolo", "main", ["configs"], 8),
]

# Configs picked by hand for a feature the ranking above does not reach: (repo, ref, paths).
# SimSiam's `fix_lr` custom key with its SimSiamHook, in both styles (mmselfsup 0.x's
# `paramwise_options` under mmcv; `paramwise_cfg.custom_keys` under mmengine), and weight-decay
# schedulers (mmpretrain's CosineAnnealingWeightDecay; CosineAnnealingParamScheduler with
# param_name='weight_decay').
EXTRAS = [
    (
        "open-mmlab/mmpretrain",
        "main",
        [
            "configs/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py",
            "configs/simsiam/simsiam_resnet50_8xb32-coslr-200e_in1k.py",
            "configs/spark/spark_sparse-resnet50_8xb512-amp-coslr-800e_in1k.py",
            "configs/spark/spark_sparse-resnet50_8xb512-amp-coslr-1600e_in1k.py",
            "configs/spark/spark_sparse-convnext-small_16xb256-amp-coslr-800e_in1k.py",
            "configs/spark/spark_sparse-convnextv2-tiny_16xb256-amp-coslr-800e_in1k.py",
            "configs/mobileone/mobileone-s0_8xb32_in1k.py",
            "configs/mobileone/mobileone-s4_8xb32_in1k.py",
        ],
    ),
    (
        "open-mmlab/mmselfsup",
        "0.x",
        [
            "configs/selfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py",
            "configs/selfsup/simsiam/simsiam_resnet50_8xb32-coslr-200e_in1k.py",
        ],
    ),
    (
        "open-mmlab/mmselfsup",
        "main",
        [
            "configs/selfsup/simsiam/simsiam_resnet50_8xb32-coslr-100e_in1k.py",
            "configs/selfsup/simsiam/simsiam_resnet50_8xb32-coslr-200e_in1k.py",
        ],
    ),
]

KEYWORDS = {
    "optimizer": 2,
    "optim_wrapper": 2,
    "lr_config": 2,
    "param_scheduler": 2,
    "momentum_config": 3,
    "paramwise_cfg": 3,
    "custom_keys": 2,
    "fp16": 3,
    "loss_scale": 2,
    "grad_clip": 2,
    "clip_grad": 2,
    "layer_decay": 3,
    "decay_rate": 2,
    "constructor": 2,
    "DistOptimizerHook": 3,
    "cumulative_iters": 3,
    "accumulative_counts": 3,
    "auto_scale_lr": 1,
    "runner": 1,
    "train_cfg": 1,
    "{{_base_": 4,
    "_base_.": 4,
    "read_base": 4,
    "_delete_": 2,
    "warmup": 1,
    "OneCycle": 3,
    "Cyclic": 3,
    "CosineRestart": 3,
    "Poly": 1,
    "custom_hooks": 1,
}
EXTS = (".py", ".json", ".yaml", ".yml")

# ConvNeXt's configs name mmdet / mmseg ``_base_`` files that its repository does not hold (its
# README says to use them from mmdetection / mmsegmentation, which Swin-Transformer's forks carry
# at the versions ConvNeXt was built on): (repo, prefix) -> (repo, ref, prefix it is read from).
SUBSTITUTES = {
    ("facebookresearch/ConvNeXt", "object_detection/configs/_base_/"): (
        "SwinTransformer/Swin-Transformer-Object-Detection",
        "master",
        "configs/_base_/",
    ),
    ("facebookresearch/ConvNeXt", "semantic_segmentation/configs/_base_/"): (
        "SwinTransformer/Swin-Transformer-Semantic-Segmentation",
        "main",
        "configs/_base_/",
    ),
}


def show(repo, commit, path):
    """(text, source repo, source commit, source path) of a file, or None when absent."""
    try:
        return git(repo, "show", f"{commit}:{path}"), repo, commit, path
    except subprocess.CalledProcessError:
        pass
    for (src_repo, prefix), (alt, alt_ref, alt_prefix) in SUBSTITUTES.items():
        if src_repo == repo and path.startswith(prefix):
            alt_commit = git(alt, "rev-parse", alt_ref).strip()
            alt_path = alt_prefix + path[len(prefix) :]
            try:
                return git(alt, "show", f"{alt_commit}:{alt_path}"), alt, alt_commit, alt_path
            except subprocess.CalledProcessError:
                return None
    return None


def chain(repo, commit, top):
    """Every file ``top`` reaches, as {path: (text, repo, commit, path)}, or None if one is absent."""  # noqa: E501
    found = {}
    todo = [top]
    while todo:
        f = todo.pop()
        if f in found or "::" in f:
            continue
        got = show(repo, commit, f)
        if got is None:
            return None
        found[f] = got
        todo.extend(bases_of(f, got[0]))
    return found


def git(repo, *args):
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def score(text):
    return sum(w for k, w in KEYWORDS.items() if k in text)


def bases_of(path, text):
    """The repository paths a config file inherits from (package-scoped ones as 'pkg::x')."""
    here = posixpath.dirname(path)
    out = []
    if path.endswith(".py"):
        tree = ast.parse(text)
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "_base_" for t in node.targets
            ):
                value = ast.literal_eval(node.value)
                for b in [value] if isinstance(value, str) else value:
                    out.append(b if "::" in b else posixpath.normpath(posixpath.join(here, b)))
            if isinstance(node, ast.With) and "read_base" in ast.unparse(node.items[0]):
                for stmt in node.body:
                    if isinstance(stmt, ast.ImportFrom):
                        up = here
                        for _ in range(stmt.level - 1):
                            up = posixpath.dirname(up)
                        mod = (stmt.module or "").replace(".", "/")
                        if stmt.level == 0:
                            out.append("pkg::" + stmt.module)
                        else:
                            out.append(posixpath.normpath(posixpath.join(up, mod)) + ".py")
    else:
        for m in re.finditer(r"""['"]([^'"]+\.(?:py|json|ya?ml))['"]""", text):
            out.append(posixpath.normpath(posixpath.join(here, m.group(1))))
    return out


def copy_chains(repo, ref, commit, picked, chains, rows):
    """Writes every file of ``chains`` and adds its ``SOURCES.md`` row to ``rows``."""
    owner_repo = repo.replace("/", "__")
    for f, (text, src_repo, src_commit, src_path) in sorted(chains.items()):
        dest = HERE / owner_repo / ref.replace("/", "_") / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text)
        rows.add((owner_repo + "/" + ref + "/" + f, src_repo, src_commit, src_path, f in picked))


def add_extras(rows):
    """The ``EXTRAS`` configs with their chains; returns how many."""
    count = 0
    for repo, ref, paths in EXTRAS:
        commit = git(repo, "rev-parse", ref).strip()
        chains = {}
        for f in paths:
            files_of = chain(repo, commit, f)
            if files_of is None:
                raise FileNotFoundError(f"{repo}@{ref}: a base of {f} is absent")
            chains.update(files_of)
        copy_chains(repo, ref, commit, paths, chains, rows)
        count += len(paths)
        print(f"{repo}@{ref} (extras): {len(paths)} configs, {len(chains)} files")
    return count


def main():
    rows = set()
    chosen_total = 0
    for repo, ref, dirs, quota in SOURCES:
        commit = git(repo, "rev-parse", ref).strip()
        files = [
            f
            for f in git(repo, "ls-tree", "-r", "--name-only", commit).splitlines()
            if f.endswith(EXTS)
            and any(f.startswith(d + "/") for d in dirs)
            and "/_base_/" not in f
            and not f.startswith("configs/_base_")
            and posixpath.basename(f) != "__init__.py"
            and "metafile" not in f
            and "README" not in f
        ]
        texts = {f: git(repo, "show", f"{commit}:{f}") for f in files}
        by_dir = collections.defaultdict(list)
        for f in files:
            if f.endswith(".py") and ("_base_" in texts[f] or "read_base" in texts[f]):
                by_dir[posixpath.dirname(f)].append((-score(texts[f]), f))
        queues = [sorted(v) for _, v in sorted(by_dir.items())]
        queues.sort(key=lambda q: q[0])  # best directories first
        picked = []
        chains = {}
        while len(picked) < quota and any(queues):
            for q in queues:
                if q and len(picked) < quota:
                    f = q.pop(0)[1]
                    files_of = chain(repo, commit, f)
                    if files_of is None:
                        print(f"skipped (a base is absent) {repo}@{ref}: {f}")
                        continue
                    picked.append(f)
                    chains.update(files_of)
        copy_chains(repo, ref, commit, picked, chains, rows)
        chosen_total += len(picked)
        print(f"{repo}@{ref}: {len(picked)} configs, {len(chains)} files")
    chosen_total += add_extras(rows)
    write_sources(rows)
    print(f"{chosen_total} top configs, {len(rows)} files")


def read_sources():
    """The rows of the current ``SOURCES.md``."""
    rows = set()
    for line in (HERE / "SOURCES.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1].count("/") == 1 and len(cells[2]) == 40:
            rows.add((cells[0], cells[1], cells[2], cells[3], cells[4] == "yes"))
    return rows


def write_sources(rows):
    lines = [
        "# Sources of the real config corpus",
        "",
        "Copied by `collect.py` (in this directory) from the repositories' git history; each file",
        "lies at `<owner>__<repo>/<ref>/<path>` (ConvNeXt's absent mmdet / mmseg bases come from\n"
        "Swin-Transformer's forks, see `SUBSTITUTES` in `collect.py`). `top` marks a config that the tests load; the other",  # noqa: E501
        "files are the `_base_` files those configs reach. The files are unchanged copies.",
        "",
        "| file here | repository | commit | path there | top |",
        "|---|---|---|---|---|",
    ]
    tops = {row[0] for row in rows if row[4]}  # a top config may be another's base too
    for here, repo, commit, f in sorted({row[:4] for row in rows}):
        top = here in tops
        lines.append(f"| {here} | {repo} | {commit} | {f} | {'yes' if top else ''} |")
    (HERE / "SOURCES.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--extras"]:  # only the EXTRAS, added to the current SOURCES.md
        rows = read_sources()
        add_extras(rows)
        write_sources(rows)
    else:
        main()
