"""What an application's own code names, read without running it: the
commands of its shell scripts, the modules its Python files import, the
packages its JavaScript requires. The unit level keeps what they name (a
branch the probes never took still has its programs)."""
from __future__ import annotations

import posixpath
import re

SHELLS = ("sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox")
SHELL_KEYWORDS = frozenset({"if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for",
                            "in", "case", "esac", "function", "select", "time", "!", "{", "}",
                            "[[", "]]", "coproc"})
SHELL_BUILTINS = frozenset({
    ".", ":", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen",
    "complete", "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit",
    "export", "false", "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let",
    "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray",
    "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test", "times", "trap",
    "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait", "[",
})
# Programs that run the program named after them.
WRAPPERS = frozenset({"exec", "command", "nohup", "xargs", "nice", "timeout", "env", "sudo",
                      "setsid", "stdbuf", "chroot", "su-exec", "gosu", "runuser", "ionice",
                      "flock", "watch", "time"})
SEGMENT = re.compile(r"\$\(|`|\|\||&&|[|;&(){}]")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
REDIRECTION = re.compile(r"[0-9]*(<<?<?|>>?|&>>?|<&|>&)[-|]?")
COMMAND_WORD = re.compile(r"^(/[\w./+-]+|[A-Za-z0-9_][\w.+-]*)$")
PY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w, \t*]+)"
                       r"|import[ \t]+([\w., \t]+))", re.M)
# the same at a line's start: an import the module cannot be imported
# without (not one in a function, or in a try that tolerates its absence)
PY_IMPORT_REQUIRED = re.compile(r"^(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w, \t*]+)"
                                r"|import[ \t]+([\w., \t]+))", re.M)
JS_REQUIRE = re.compile(r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)"""
                        r"""(['"])([^'"\n]+)\1""", re.M)


def script_commands(text: str) -> list[str]:
    """Names of the programs a shell script runs: the first word of each
    simple command (after assignments and keywords), and the program a
    wrapper (exec, xargs, env, timeout...) runs. Builtins are left out."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for segment in SEGMENT.split(line):
            words = segment.split()
            while words:
                w = words.pop(0)
                if REDIRECTION.match(w):
                    if REDIRECTION.fullmatch(w) and words:
                        words.pop(0)          # "< file": the file is no command
                    continue
                if ASSIGNMENT.match(w) or w in SHELL_KEYWORDS:
                    continue
                w = w.strip("\"'")
                if not COMMAND_WORD.match(w):
                    break
                if w not in SHELL_BUILTINS or w in WRAPPERS:
                    out.append(w)
                if w == "env":
                    # its options' values are no commands: -u NAME, -C DIR
                    program = env_program(words)
                    words = words[words.index(program):] if program is not None else []
                    continue
                if w in WRAPPERS:
                    while words and (words[0].startswith("-") or ASSIGNMENT.match(words[0])
                                     or words[0].isdigit()):
                        words.pop(0)
                    continue
                break
    return list(dict.fromkeys(w for w in out if w not in SHELL_BUILTINS))


# env's options that take the next word as their value (-S's value is the
# command line itself, split: its words are read on)
ENV_OPTIONS_WITH_VALUE = frozenset({"-u", "--unset", "-C", "--chdir"})


def env_program(words: list[str]) -> str | None:
    """The program `env WORDS...` runs: the first word that is not an
    option, an option's value or a NAME=VALUE."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ENV_OPTIONS_WITH_VALUE:
            skip = True
        elif not word.startswith("-") and "=" not in word:
            return word
    return None


def is_shell_script(head: bytes, path: str) -> bool:
    if head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
        if not line:
            return False
        prog = posixpath.basename(line[0])
        if prog == "env":
            prog = posixpath.basename(env_program(line[1:]) or "")
        return prog in SHELLS
    return path.endswith(".sh")




def python_imports(text: str, required: bool = False) -> list[str]:
    """Modules a Python file imports, absolute ones by their full dotted
    name and relative ones as '.name' (one dot per level); with required,
    only those at the module's top level, without which it cannot be
    imported."""
    out = []
    for m in (PY_IMPORT_REQUIRED if required else PY_IMPORT).finditer(text):
        if m.group(3):
            for part in m.group(3).split(","):
                name = part.strip().split()[0] if part.strip() else ""
                if name:
                    out.append(name)
        else:
            base = m.group(1)
            out.append(base)
            if base.endswith("."):
                # from . import debug: each name may be a submodule
                out += [base + n.strip().split()[0] for n in m.group(2).split(",")
                        if n.strip() and n.strip() != "*"]
    return list(dict.fromkeys(out))


def js_requires(text: str) -> list[str]:
    """Module names a JavaScript file requires or imports (bare names only:
    relative and absolute paths are the application's own files)."""
    names = JS_REQUIRE.findall(text)
    out = []
    for _, spec in names:
        if spec.startswith((".", "/")) or spec.startswith("node:"):
            continue
        parts = spec.split("/")
        out.append("/".join(parts[:2]) if spec.startswith("@") else parts[0])
    return list(dict.fromkeys(out))
