#!/usr/bin/env python3
"""Fails when a dependency raises the minimum supported Rust version above what we declare.

For each feature set below, resolves the dependency graph a user of the facade gets (a
scratch crate depending on it with those features, resolved offline against a copy of our
Cargo.lock, so the versions are ours and no dev-dependency counts) and takes the highest
`rust-version` any package in it declares. The default features must fit the workspace's `rust-version`; each optional
feature must fit the version the README's feature table states for it (`DECLARED`). A lock
file update that raises one of them fails CI here instead of silently breaking users on an
older toolchain; raise the declaration (README, Cargo.toml, this table) on purpose instead.

The examples and tests build the dev-dependencies too (`cargo run --example simple` does): all
of the workspace's packages, dev edges included, must fit `EXAMPLES` (stated in the README).

It fetches the locked packages first (`cargo fetch --locked`), so that the offline resolution
works on a machine that has never built the project.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

# Feature → the MSRV the README states for it (on top of the default features).
DECLARED = {
    "rust_crypto": None,  # None: the workspace's rust-version
    "redis": None,
    "jwks": None,
    "utoipa": None,
    "sqlx-sqlite": "1.94",
    "sqlx-postgres": "1.94",
}


# What the examples and tests need (the README says so, in the sentence below).
EXAMPLES = "1.94"
EXAMPLES_SENTENCE = f"The examples and tests need Rust {EXAMPLES}"


def version(text):
    parts = (text.split(".") + ["0", "0"])[:3]
    return tuple(int(p) for p in parts)


def highest(features, default):
    root = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        with open(os.path.join(scratch, "Cargo.toml"), "w") as f:
            f.write(
                '[package]\nname = "msrv-probe"\nversion = "0.0.0"\nedition = "2021"\n'
                "[dependencies.actix-jwt-extended]\n"
                f"path = {json.dumps(root)}\n"
                f"default-features = {'true' if default else 'false'}\n"
                f"features = {json.dumps(features)}\n"
            )
        os.mkdir(os.path.join(scratch, "src"))
        open(os.path.join(scratch, "src", "lib.rs"), "w").close()
        shutil.copy("Cargo.lock", scratch)
        args = ["cargo", "metadata", "--format-version", "1", "--offline"]
        meta = json.loads(
            subprocess.run(args, cwd=scratch, check=True, capture_output=True, text=True).stdout
        )
    start = next(p["id"] for p in meta["packages"] if p["name"] == "actix-jwt-extended")
    return highest_from(meta, [start], dev=False)


def highest_from(meta, starts, dev):
    """The highest `rust-version` of the packages reachable from `starts` (dev edges only
    when `dev`, and then only out of `starts`: a dependency's dev-dependencies are never
    built), with the package that declares it."""
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    seen, stack = set(), list(starts)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for dep in nodes[node]["deps"]:
            only_dev = all(kind["kind"] == "dev" for kind in dep["dep_kinds"])
            if only_dev and not (dev and node in starts):
                continue
            stack.append(dep["pkg"])
    found = [(packages[i].get("rust_version") or "0", packages[i]["name"]) for i in seen]
    return max(found, key=lambda f: version(f[0]))


def examples_and_tests():
    """What the workspace's own targets need: its members with their dev-dependencies."""
    args = ["cargo", "metadata", "--format-version", "1", "--offline", "--locked"]
    meta = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return highest_from(meta, meta["workspace_members"], dev=True)


def main():
    subprocess.run(["cargo", "fetch", "--locked", "--quiet"], check=True)
    with open("Cargo.toml", "rb") as f:
        declared = tomllib.load(f)["workspace"]["package"]["rust-version"]
    checks = [("default features", [], True, declared)]
    available = set()
    with open("Cargo.toml", "rb") as f:
        available = set(tomllib.load(f)["features"])
    for feature, msrv in DECLARED.items():
        if feature in available:
            checks.append((f"feature `{feature}`", [feature], True, msrv or declared))
    failed = False
    for name, features, default, limit in checks:
        needed, package = highest(features, default)
        ok = version(needed) <= version(limit)
        verdict = "ok" if ok else "RAISED"
        print(f"{name}: needs Rust {needed} ({package}), declared {limit}: {verdict}", flush=True)
        failed |= not ok
    needed, package = examples_and_tests()
    ok = version(needed) <= version(EXAMPLES)
    print(f"examples and tests: need Rust {needed} ({package}), declared {EXAMPLES}: "
          f"{'ok' if ok else 'RAISED'}", flush=True)
    failed |= not ok
    with open("README.md") as f:
        if EXAMPLES_SENTENCE not in f.read():
            print(f"README.md does not say \"{EXAMPLES_SENTENCE}\"", flush=True)
            failed = True
    if failed:
        sys.exit("a dependency raised the MSRV: raise the declaration on purpose, or pin it down")


if __name__ == "__main__":
    main()
