#!/usr/bin/env python3
"""Helpers of the real-data demo (deploy/local/demo.sh --real): picks the demo's emails from the converted
SpamAssassin JSONL, paces text streams, scores predictions against the known labels as they arrive, and prints the
closing table. Standard library only; every Kafka read and write goes through cli/bin/streamtune."""
import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timezone


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def prepare(a):
    """examples.jsonl (v1's labeled emails), heldout.jsonl (natural mix), shift.jsonl (mostly spam),
    shift-examples.jsonl (labels of the new mix coming back), labels.json (id -> label of every text sent)."""
    rng = random.Random(a.seed)
    train = read_jsonl(a.train)[: a.examples]
    rest = read_jsonl(a.test)
    rng.shuffle(rest)
    heldout, rest = rest[: a.heldout], rest[a.heldout:]
    spam = [r for r in rest if r["label"] == "spam"]
    ham = [r for r in rest if r["label"] != "spam"]
    n_spam_ex = int(a.shift_examples * a.spam_share)
    shift_ex = spam[:n_spam_ex] + ham[: a.shift_examples - n_spam_ex]
    spam, ham = spam[n_spam_ex:], ham[a.shift_examples - n_spam_ex:]
    n_spam = min(len(spam), int(a.shift_texts * a.spam_share))
    n_ham = min(len(ham), int(n_spam * (1 - a.spam_share) / a.spam_share))
    shift = spam[:n_spam] + ham[:n_ham]
    rng.shuffle(shift)
    rng.shuffle(shift_ex)
    labels = {}

    def texts(prefix, rows):
        out = []
        for i, r in enumerate(rows):
            rid = f"{prefix}-{i:05d}"
            labels[rid] = r["label"]
            out.append({"id": rid, "text": r["text"]})
        return out

    def examples(prefix, rows):
        return [{"id": f"{prefix}-{i:05d}", "text": r["text"], "label": r["label"], "source": "spamassassin"}
                for i, r in enumerate(rows)]

    os.makedirs(a.out, exist_ok=True)
    write_jsonl(os.path.join(a.out, "examples.jsonl"), examples("sa-train", train))
    write_jsonl(os.path.join(a.out, "shift-examples.jsonl"), examples("sa-shift-ex", shift_ex))
    write_jsonl(os.path.join(a.out, "heldout.jsonl"), texts("sa-heldout", heldout))
    write_jsonl(os.path.join(a.out, "shift.jsonl"), texts("sa-shift", shift))
    with open(os.path.join(a.out, "labels.json"), "w") as f:
        json.dump(labels, f)

    def mix(rows):
        s = sum(1 for r in rows if r["label"] == "spam")
        return f"{len(rows)} ({s} spam, {len(rows) - s} ham)"

    print(f"[demo] emails: v1 examples {mix(train)}, held-out texts {mix(heldout)}, "
          f"shift texts {mix(shift)}, shift examples {mix(shift_ex)}")


def pace(a):
    """Copies a JSONL file of texts to stdout at --rate lines per second; stops early when --stop-file appears.
    --cycle starts over at the end (ids get a ~N suffix, so every record is a new text with a known label)."""
    try:
        _pace(a)
    except BrokenPipeError:  # the sender stopped
        pass


def _pace(a):
    interval = 1.0 / a.rate
    nxt = time.monotonic()
    rows = read_jsonl(a.file)
    for n in range(1000 if a.cycle else 1):
        for row in rows:
            if a.stop_file and os.path.exists(a.stop_file):
                return
            if n:
                row = dict(row, id=f"{row['id']}~{n}")
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            nxt += interval
            time.sleep(max(0.0, nxt - time.monotonic()))


def num(x):
    return x if isinstance(x, (int, float)) and x == x else None  # Jackson writes NaN as a string


def progress(a):
    """One progress line from /trainer/status (stdin): a bar over the run's steps, its phase, loss, rate and ETA."""
    try:
        s = json.load(sys.stdin)
    except ValueError:
        s = {}
    p, t = s.get("progress"), f"({a.elapsed}s)"
    if p:
        step, steps = num(p.get("step")) or 0, num(p.get("steps")) or 0
        loss, rate, eta = num(p.get("loss")), num(p.get("seqPerSec")), num(p.get("etaSeconds"))
        line = f"[{bar(step, steps)}] {p.get('phase')}"
        if steps:
            line += f" epoch {p.get('epoch')}/{p.get('epochs')} step {step}/{steps}"
        if loss is not None:
            line += f" loss {loss:.3f}"
        if rate:
            line += f" {rate:.1f} seq/s"
        if eta is not None and eta >= 0:
            line += f" eta {eta:.0f}s"
        if p.get("message") and not steps:
            line += f": {p['message'][:60]}"
    elif s.get("running"):
        line = "[preparing the run]"
    else:
        line = "[waiting for the run to start]"
    sys.stdout.write(f"\r  {line} {t}".ljust(130))
    sys.stdout.flush()


def parse_ts(text):
    """An Instant's ISO text (nanoseconds, Z) as epoch seconds."""
    main, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(main).replace(tzinfo=timezone.utc).timestamp() + float("0." + (frac or "0"))


def read_events(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # a line still being written
    return out


class Scores:
    def __init__(self, labels_path, predictions_path, prefix):
        with open(labels_path) as f:
            self.labels = json.load(f)
        self.path, self.prefix = predictions_path, prefix

    def read(self):
        rows = []
        for e in read_events(self.path):
            key = e.get("key") or ""
            base = key.split("~")[0]
            if key.startswith(self.prefix) and base in self.labels:
                v = e["value"]
                rows.append((key, v.get("label"), v.get("version"), e.get("timestamp"), self.labels[base]))
        return rows


def bar(done, total, width=30):
    filled = int(width * min(done, total) / max(total, 1))
    return "#" * filled + "." * (width - filled)


def watch(a):
    """Live accuracy of one stream against its known labels until --expect predictions (or --stop-file)."""
    scores = Scores(a.labels, a.predictions, a.prefix)
    deadline = time.monotonic() + a.timeout
    last = ""
    while True:
        rows = scores.read()
        per_version = {}
        for _, pred, ver, _, truth in rows:
            n, ok = per_version.get(ver, (0, 0))
            per_version[ver] = (n + 1, ok + (pred == truth))
        correct = sum(ok for _, ok in per_version.values())
        spam = sum(1 for r in rows if r[1] == "spam")
        versions = "  ".join(f"v{v}: {n} acc {ok / n:.3f}" for v, (n, ok) in sorted(per_version.items()))
        line = (f"[{bar(len(rows), a.expect)}] {len(rows)}/{a.expect} predicted, "
                f"accuracy {correct / max(len(rows), 1):.3f}, predicted spam {spam / max(len(rows), 1):.0%}  {versions}")
        if a.once:
            print(line.split("] ", 1)[1])
            return 0
        if line != last:
            sys.stdout.write("\r" + line + "   ")
            sys.stdout.flush()
            last = line
        if len(rows) >= a.expect or (a.stop_file and os.path.exists(a.stop_file)):
            print()
            return 0
        if time.monotonic() > deadline:
            print(f"\n[demo] only {len(rows)} of {a.expect} predictions after {a.timeout}s")
            return 1
        time.sleep(1)


def summary(a):
    with open(a.models) as f:
        models = json.load(f)
    events = [e["value"] for e in read_events(a.monitoring)]
    drifts = [e for e in events if e.get("type") == "drift"]
    alerts = [e for e in events if e.get("type") == "alert" and e.get("kind") == "drift"]
    swaps = [e for e in events if e.get("type") == "swap"]
    print()
    print("| version | status | trigger | test accuracy | test macro-F1 | held-out accuracy (n) | shift accuracy (n) |")
    print("|---|---|---|---|---|---|---|")
    phase_acc = {}
    for prefix in ("sa-heldout", "sa-shift"):
        for _, pred, ver, _, truth in Scores(a.labels, a.predictions, prefix).read():
            n, ok = phase_acc.get((prefix, ver), (0, 0))
            phase_acc[(prefix, ver)] = (n + 1, ok + (pred == truth))

    def acc(prefix, ver):
        n, ok = phase_acc.get((prefix, ver), (0, 0))
        return f"{ok / n:.3f} ({n})" if n else "–"

    triggers = {}
    for line in a.trigger or []:
        ver, _, what = line.partition("=")
        triggers[int(ver)] = what
    for m in sorted(models, key=lambda m: m["version"]):
        v = m["version"]
        status = m["status"] + (" LIVE" if m.get("live") else "")
        f = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
        print(f"| v{v} | {status} | {triggers.get(v, '')} | {f(m.get('testAccuracy'))} | {f(m.get('testMacroF1'))} "
              f"| {acc('sa-heldout', v)} | {acc('sa-shift', v)} |")
    print()
    breached = sum(1 for d in drifts if d.get("breached"))
    print(f"drift windows: {len(drifts)} ({breached} breached); drift alerts: {len(alerts)}"
          + (f" (first: {alerts[0].get('message')})" if alerts else ""))
    for s in swaps:
        frm = f"v{s['fromVersion']}" if s.get("fromVersion") else "(no model)"
        how = " while the old model served" if s.get("fromVersion") else ""
        print(f"swap: {frm} -> v{s.get('toVersion')} on {s.get('instance')} "
              f"(verified, loaded and warmed in {s.get('loadMillis')} ms{how}; {s.get('ts')})")
    shift = sorted((parse_ts(t), ver) for _, _, ver, t, _ in Scores(a.labels, a.predictions, "sa-shift").read())
    gaps = [b[0] - a_[0] for a_, b in zip(shift, shift[1:])]
    at_swap = [b[0] - a_[0] for a_, b in zip(shift, shift[1:]) if b[1] != a_[1]]
    if gaps:
        gaps_sorted = sorted(gaps)
        print(f"shift stream, gaps between consecutive predictions: median {1000 * gaps_sorted[len(gaps) // 2]:.0f} ms, "
              f"longest {1000 * gaps_sorted[-1]:.0f} ms"
              + (f"; across the swap (last v1 -> first v2 prediction) {1000 * at_swap[0]:.0f} ms" if at_swap else ""))
    for line in a.extra or []:
        print(line)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("prepare")
    s.add_argument("--train", required=True)
    s.add_argument("--test", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--examples", type=int, default=400)
    s.add_argument("--heldout", type=int, default=300)
    s.add_argument("--shift-texts", type=int, default=1200)
    s.add_argument("--shift-examples", type=int, default=150)
    s.add_argument("--spam-share", type=float, default=0.9)
    s.add_argument("--seed", type=int, default=7)
    s = sub.add_parser("pace")
    s.add_argument("--file", required=True)
    s.add_argument("--rate", type=float, required=True)
    s.add_argument("--stop-file")
    s.add_argument("--cycle", action="store_true")
    s = sub.add_parser("watch")
    for name in ("--labels", "--predictions", "--prefix"):
        s.add_argument(name, required=True)
    s.add_argument("--expect", type=int, required=True)
    s.add_argument("--timeout", type=int, default=600)
    s.add_argument("--stop-file")
    s.add_argument("--once", action="store_true", help="print the current line and return")
    s = sub.add_parser("progress")
    s.add_argument("--elapsed", default="?")
    s = sub.add_parser("summary")
    for name in ("--labels", "--predictions", "--monitoring", "--models"):
        s.add_argument(name, required=True)
    s.add_argument("--trigger", action="append", help="VERSION=what started it")
    s.add_argument("--extra", action="append", help="a line to print under the table")
    a = p.parse_args()
    return {"prepare": prepare, "pace": pace, "watch": watch, "progress": progress, "summary": summary}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
