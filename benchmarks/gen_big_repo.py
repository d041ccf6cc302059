"""Build a large synthetic repository with ``git fast-import`` for the git ingest benchmarks.

    python benchmarks/gen_big_repo.py OUT_DIR [--commits 100000] [--seed 1]

History shape: feature branches (1–5 commits, several open at once, so branch bases lag the
main line) merged with merge commits; ~10 % direct commits on main; an annotated release tag
every ~50 merges; a maintenance branch with a patch-release tag after every 10th release;
~1 % of merges reverted ("This reverts commit <sha>, reversing changes made to <sha>.").
Identities and dates are fixed, so the same arguments give the same shas.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vsm_app.demo.fastimport import FastImport, Person, run_git  # noqa: E402

PEOPLE = [Person(f"Dev {i:02d}", f"dev{i:02d}@bench.invalid") for i in range(12)]
PREFIXES = ["feat", "feat", "feat", "fix", "fix", "refactor", "chore", "docs", "test", "perf"]
START = 1_514_764_800  # 2018-01-01T00:00:00Z


def _content(rng: random.Random, path: str, n: int) -> bytes:
    lines = [f"# {path} revision {n}"]
    lines += [f"value_{i} = {rng.randrange(10_000)}" for i in range(rng.randrange(8, 30))]
    return ("\n".join(lines) + "\n").encode()


def build(out: Path, commits: int = 100_000, seed: int = 1) -> Path:
    """Create the repository at ``out`` (must not exist) and return its path."""
    if out.exists():
        raise SystemExit(f"{out} already exists")
    rng = random.Random(seed)
    paths = [f"src/pkg{p:02d}/mod{m:03d}.py" for p in range(40) for m in range(120)]
    now = START
    fi = FastImport(out)
    root = fi.commit("refs/heads/main", PEOPLE[0], now, PEOPLE[0], now, "chore: initial commit",
                     files={"README.md": b"bench\n"})
    main = root
    open_features: list[tuple[int, int, dict[str, bytes], str, int]] = []  # base, tip, files, title, n
    merges = 0
    releases = 0
    last_release = root
    revision = 0
    feature_no = 0
    while fi.commits < commits or open_features:
        now += rng.randrange(60, 3600)
        # once enough commits are written, only merge what is still open
        action = rng.random() if fi.commits < commits else 1.0
        if action < 0.10:
            # direct commit on main
            revision += 1
            who = rng.choice(PEOPLE)
            files = {p: _content(rng, p, revision) for p in rng.sample(paths, rng.randrange(1, 3))}
            main = fi.commit("refs/heads/main", who, now, who, now,
                             f"{rng.choice(PREFIXES)}: direct change {revision}", [main], files)
        elif action < 0.38 or not open_features:
            # start a feature branch from the current main line
            feature_no += 1
            revision += 1
            who = rng.choice(PEOPLE)
            files = {p: _content(rng, p, revision) for p in rng.sample(paths, rng.randrange(1, 4))}
            title = f"{rng.choice(PREFIXES)}: feature {feature_no}"
            tip = fi.commit("refs/heads/wip", who, now - rng.randrange(0, 7200), who, now,
                            f"{title} (part 1)", [main], files)
            open_features.append((main, tip, files, title, 1))
        elif action < 0.65:
            # another commit on an open feature
            i = rng.randrange(len(open_features))
            base, tip, files, title, n = open_features[i]
            revision += 1
            who = rng.choice(PEOPLE)
            more = {p: _content(rng, p, revision) for p in rng.sample(paths, rng.randrange(1, 3))}
            tip = fi.commit("refs/heads/wip", who, now - rng.randrange(0, 3600), who, now,
                            f"{title} (part {n + 1})", [tip], more)
            open_features[i] = (base, tip, {**files, **more}, title, n + 1)
        else:
            # merge the oldest open feature (first parent: main)
            base, tip, files, title, n = open_features.pop(0)
            merges += 1
            who = rng.choice(PEOPLE)
            msg = f"Merge pull request #{merges} from team/feature-{merges}\n\n{title}\n"
            main = fi.commit("refs/heads/main", who, now, who, now, msg, [main, tip], files)
            if rng.random() < 0.01:
                now += rng.randrange(600, 7200)
                merged_sha = fi.sha(main)
                revision += 1
                body = (f'Revert "{title}"\n\nThis reverts commit {merged_sha}, reversing\n'
                        f"changes made to its first parent.\n")
                touched = {p: _content(rng, p, revision) for p in files}
                main = fi.commit("refs/heads/main", who, now, who, now, body, [main], touched)
            if merges % 50 == 0:
                releases += 1
                now += 60
                fi.tag(f"v1.{releases}.0", main, PEOPLE[1], now, f"release 1.{releases}.0")
                if releases % 10 == 0:
                    # a patch release on a maintenance branch cut from the previous release
                    revision += 1
                    fix = fi.commit(f"refs/heads/maint-1.{releases - 1}", PEOPLE[2], now, PEOPLE[2],
                                    now, f"fix: backport to 1.{releases - 1}", [last_release],
                                    {"src/pkg00/mod000.py": _content(rng, "m", revision)})
                    fi.tag(f"v1.{releases - 1}.1", fix, PEOPLE[1], now + 30,
                           f"release 1.{releases - 1}.1")
                last_release = main
    fi.close()
    run_git(out, "update-ref", "-d", "refs/heads/wip")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--commits", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    build(args.out, args.commits, args.seed)
    print(f"built {args.out} with {args.commits:,}+ commits in {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
