"""What an application's own code names, read without running it: the
commands of its shell scripts, the modules its Python files import, the
packages its JavaScript requires, the libraries its Ruby, Perl, Erlang, Lua
and PHP code loads, the files its code names by absolute path, and
whether it sets TZ. The unit level keeps what they name (a branch the
probes never took still has its programs)."""
from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterator
from typing import Literal, NamedTuple

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
# Programs that run the program named after them: their options that take
# a value as the next word; how many words (an account, a lock file, a
# duration) come before the program; the options whose value is the
# command line it runs (`su -c CMD`, `flock FILE -c CMD`). Other options
# (`nice -10`, a cluster such as sudo's `-Hu postgres`, whose last letter
# may take the value) and NAME=VALUE words are passed over. The process
# supervisors' (runit's chpst, daemontools', s6's) too: `chpst -u app flock
# /run/x sh -c '...'` in a runit service's run file runs flock, which runs
# sh, which runs what its string starts with. (Not chroot: the program it
# runs is the new root's.)
_LIMITS = "-m -a -d -o -p -f -c -r -t -s -l"
_WRAPPER_SPECS: tuple[tuple[str, str, int, str], ...] = (
    ("exec", "-a", 0, ""), ("eval", "", 0, ""), ("command", "", 0, ""), ("nohup", "", 0, ""),
    ("xargs", "-a -d -E -I -L -n -P -s --arg-file --delimiter --max-args --max-procs --max-lines", 0, ""),
    ("nice", "-n --adjustment", 0, ""), ("timeout", "-s -k --signal --kill-after", 1, ""),
    ("sudo", "-u -g -C -D -h -p -r -t -U --user --group", 0, ""), ("setsid", "", 0, ""),
    ("stdbuf", "-i -o -e", 0, ""), ("su-exec", "", 1, ""), ("gosu", "", 1, ""),
    ("su", "-g -G -s --group --supp-group --shell", 1, "-c --command"),
    ("runuser", "-u -g -G -s --user --group --shell", 0, "-c --command"),
    ("ionice", "-c -n -p -P -u --class --classdata", 0, ""),
    ("flock", "-w -E --timeout --conflict-exit-code", 1, "-c --command"), ("watch", "-n --interval", 0, ""),
    ("time", "-f -o --format --output", 0, ""),
    ("chpst", "-u -U -b -e -/ -C -n -l -L -m -d -o -p -f -c -r -t", 0, ""), ("setuidgid", "", 1, ""),
    ("envuidgid", "", 1, ""), ("envdir", "", 1, ""), ("setlock", "", 1, ""), ("softlimit", _LIMITS, 0, ""),
    ("fghack", "", 0, ""), ("pgrphack", "", 0, ""), ("s6-setuidgid", "", 1, ""), ("s6-envdir", "-c", 1, ""),
    ("s6-softlimit", _LIMITS, 0, ""), ("s6-applyuidgid", "-u -g -G", 0, ""), ("s6-setsid", "", 0, ""),
    ("setpriv", "--reuid --regid --ruid --rgid --euid --egid --groups --inh-caps --ambient-caps "
                "--bounding-set --securebits --pdeathsig --selinux-label --apparmor-profile "
                "--landlock-access --landlock-rule", 0, ""),
)
WRAPPERS: dict[str, tuple[frozenset[str], int, frozenset[str]]] = {
    name: (frozenset(valued.split()), before, frozenset(commands.split()))
    for name, valued, before, commands in _WRAPPER_SPECS}
# A shell's options that take a value; its -c (alone or in a cluster, `-ec`)
# runs its first operand as a command line.
SHELL_VALUED = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
SEGMENT = re.compile(r"\$\(|`|\|\||&&|(?<![<>])&(?![>&])|[|;(){}]")     # (not >&2's or &>'s &)
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
REDIRECTION = re.compile(r"[0-9]*(<<?<?|>>?|&>>?|<&|>&)[-|]?")
COMMAND_WORD = re.compile(r"^(/[\w./+-]+|[A-Za-z0-9_][\w.+-]*)$")
PY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w, \t*]+)"
                       r"|import[ \t]+([\w., \t]+))", re.M)
# a module imported by a name given as a literal to an import function:
# importlib.import_module("lxml"), __import__("x"), and pandas' own
# import_optional_dependency("openpyxl"), through which it loads every
# optional library on first use
PY_IMPORT_CALL = re.compile(r"""\b(?:import_module|__import__|import_optional_dependency)"""
                            r"""\(\s*(['"])([\w.]+)\1""")
# the same at a line's start: an import the module cannot be imported
# without (not one in a function, or in a try that tolerates its absence)
PY_IMPORT_REQUIRED = re.compile(r"^(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w, \t*]+)"
                                r"|import[ \t]+([\w., \t]+))", re.M)
# A top-level handler for a failed import: the imports in it are the
# fallback, required where the module tried first is absent (Django's test
# runner: try: import ipdb as pdb / except ImportError: import pdb).
PY_IMPORT_FALLBACK = re.compile(r"^except(?:[ \t]*:|[ \t(][^\n:]*(?:ImportError|ModuleNotFoundError)[^\n:]*:)"
                                r"[ \t]*(?:#[^\n]*)?\n((?:[ \t]+[^\n]*\n|[ \t]*\n)*)", re.M)
# Ruby: require 'net/http' names a feature, a file under the load path
# without its .rb or .so; one outside a method runs when the file loads
# (yaml.rb's require 'psych' in a begin/rescue that raises again), one in a
# method on first use. autoload loads on the first use of a constant. A
# library's own helper whose name says require loads on first use too
# (asciidoctor's `(Helpers.require_library 'coderay', true, :warn)`: a
# minified image highlighted nothing, "optional gem 'coderay' is not
# available", exit 0); require_relative names a file beside, not a feature.
RUBY_REQUIRE = re.compile(r"""(?:^|;|[(=]|\b(?:if|unless)\b)[ \t]*(?:[A-Z]\w*(?:::\w+)*\.)?"""
                          r"""(require(?!_relative)\w*|\w+_require\w*|autoload[ \t(]+:?\w+[ \t]*,)"""
                          r"""[ \t]*\(?[ \t]*(['"])([\w./+-]+)\2""")
# a method's start (not a one-line or endless one) and an `end` line
RUBY_DEF = re.compile(r"^([ \t]*)def[ \t]+[\w.?!=\[\]<>+*/%~-]+[ \t]*(\([^)]*\))?[ \t]*(#.*)?$")
RUBY_END = re.compile(r"^([ \t]*)end\b")
# Perl: `use Net::HTTP` (and `no`) loads the module when the file compiles,
# wherever it stands; `require Net::HTTP` (or "Net/HTTP.pm") when it runs;
# `use parent`/`use base` load the classes they name. A statement starts
# a line or follows a ';' or '{' (sub f { require X; }, eval { require X }),
# or an eval's quote: `eval "require Net::hostent;"`, the idiom for a module
# a script can do without (munin's squid_icp said "Net::hostent not found").
PERL_LOAD = re.compile(r"""(?:^|[;{]|\beval[ \t]*\(?[ \t]*["'])[ \t]*(use|no|require)[ \t]+"""
                       r"""(?:(['"])([\w/]+)\.p[ml]\2|([A-Za-z_]\w*(?:::\w+)*))""", re.M)
# A Perl module loaded by a name in a variable: require $x, also in an
# eval's string ("require $x"), an eval's "use $x", and the loaders
# Module::Load, Module::Runtime, Class::Load (not "use $how" in a message:
# POSIX.pm's)
PERL_DYNAMIC_LOAD = re.compile(r"""\brequire[ \t]+\$|\beval[ \t]*\(?[ \t]*["'][ \t]*use[ \t]+\$"""
                               r"""|\b(?:Module::Load|Module::Runtime|Class::Load)\b""")
# A module's name as a string (with a '::': a bare word is too many
# things; not perl's own namespaces, CORE::fork being a builtin)
# ... at most this many in a file: more are a table of names, no choice of
# one to load
PERL_LOADED_NAMES = 100
PERL_MODULE_NAME = re.compile(r"(?!(?:CORE|main|SUPER|UNIVERSAL)::)[A-Za-z_]\w*(?:::\w+)+")
PERL_QW = re.compile(r"\bqw[ \t]*(?:\(([^()]*)\)|/([^/]*)/|\[([^\[\]]*)\]|\{([^{}]*)\})")
PERL_MODULE_LITERAL = re.compile(r"""(['"])(?!(?:CORE|main|SUPER|UNIVERSAL)::)([A-Za-z_]\w*(?:::\w+)+)\1""")
# Documentation and data, which no interpreter runs: Perl's POD (from a
# line starting '=word' to '=cut') and Ruby's =begin/=end; after __END__
# (and Perl's __DATA__) the file is data.
PERL_POD = re.compile(r"^=[a-zA-Z].*?(^=cut\b.*?$|\Z)", re.M | re.S)
RUBY_COMMENT_BLOCK = re.compile(r"^=begin\b.*?(^=end\b.*?$|\Z)", re.M | re.S)
CODE_END = re.compile(r"^__(END|DATA)__\s*$", re.M)
# Erlang: a call into another module (ssl:versions(), fun m:f/1), a
# behaviour, an application started or a module loaded by name, a header
# of another application (an escript is compiled when it runs). A
# comment runs from % to the end of the line (a % inside a string is rare
# and only hides a name).
ERLANG_CALL = re.compile(r"(?<![\w@'#?.])([a-z][\w@]*)[ \t]*:[ \t]*[a-z][\w@]*[ \t]*(?:\(|/[0-9])")
ERLANG_NAMED = re.compile(r"(?:\bapplication[ \t]*:[ \t]*(?:start|ensure_started|ensure_all_started|load)"
                          r"|\bcode[ \t]*:[ \t]*(?:ensure_loaded|load_file|ensure_modules_loaded)"
                          r"|^-[ \t]*behaviou?r)[ \t]*\([ \t]*\[?[ \t]*'?([a-z][\w@]*)", re.M)
ERLANG_INCLUDE_LIB = re.compile(r"^-[ \t]*include_lib[ \t]*\([ \t]*\"([a-z][\w@]*)/", re.M)
# Elixir's spelling of the same: an Erlang module is an atom, :ssl.versions()
# and &:crypto.hash/2; an application :ssl given to Application's start
# functions. A comment runs from # to the line's end, outside strings (as R's).
ELIXIR_CALL = re.compile(r"(?<![\w@:.])[ \t]*:([a-z][\w@]*)\.[a-z_]\w*[?!]?[ \t]*(?:\(|/[0-9])"
                         r"|\|>[ \t]*:([a-z][\w@]*)\.[a-z_]\w*")      # (piped: x |> :zlib.gzip)
ELIXIR_NAMED = re.compile(r"\b(?:Application\.(?:start|ensure_started|ensure_all_started|load)"
                          r"|Code\.ensure_loaded!?|Code\.ensure_compiled!?)[ \t]*\(?[ \t]*"
                          r"(?::([a-z][\w@]*)|\[([^\]\n]*)\])")          # (or a list of them)
ELIXIR_ATOM = re.compile(r":([a-z][\w@]*)")
ERLANG_COMMENT = re.compile(r"%.*$", re.M)
# PHP: require_once 'Twig/autoload.php', include('Mail/mime.php'): found
# through include_path (Debian's .:/usr/share/php)
PHP_REQUIRE = re.compile(r"""\b(?:require|include)(?:_once)?\b[ \t]*\(?[ \t]*(['"])([^'"\n$]+\.php)\1""")
# A string literal of code that is an absolute path of two parts or more
# (a font, a data file or directory the code opens by that name)
# (no part starts with a dot: '/../src/x.php' is the end of a relative one)
CODE_PATH = re.compile(r"""(['"])(/[\w@+~-][\w.@+~-]*(?:/[\w@+~-][\w.@+~-]*)+)/?\1""")
# Lua: require "socket.http", require("cjson"), require 'lfs'; comments
# run from -- to the end of the line, or over --[[ ... ]] (and --[==[ ]==])
LUA_REQUIRE = re.compile(r"""(?<![\w.:])(?:require[ \t]*\(?|pcall[ \t]*\([ \t]*require[ \t]*,)[ \t]*"""
                         r"""(['"])([\w.-]+)\1""")     # (and `pcall(require, "readline")`: optional)
LUA_DOTTED = re.compile(r"""['"]([A-Za-z_]\w*(?:\.\w+)+)['"]""")
LUA_COMMENT = re.compile(r"--\[(=*)\[.*?\]\1\]|--[^\n]*", re.S)
PERL_PARENTS = re.compile(r"^[ \t]*use[ \t]+(?:parent|base)\b([^;]*)", re.M)
PERL_CLASS = re.compile(r"\b([A-Za-z_]\w*(?:::\w+)+|[A-Z]\w*)\b")
# Code that sets TZ, or opens a zone by its name, in any of the languages
# read: every zone may be read then (shell TZ=..., os.environ['TZ'] =,
# ENV['TZ'] =, $ENV{TZ} =, process.env.TZ =, setenv("TZ", ...),
# putenv("TZ=..."), a TZ key of an environment given to a program
# (execFile('date', {env: {TZ: zone}})); Python's ZoneInfo("Europe/Paris"), dateutil's gettz,
# Debian's pytz, Ruby's TZInfo, which read the system's database).
TZ_IN_CODE = re.compile(r"""(^|[\s;(`'"])(export[ \t]+)?TZ=|\[[ \t]*(['"])TZ\3[ \t]*\][ \t]*=[^=]"""
                        r"""|\{[ \t]*(['"]?)TZ\4[ \t]*\}[ \t]*=[^=]|\benv\.TZ[ \t]*=[^=]"""
                        r"""|\b(setenv|putenv)[ \t]*\([ \t]*(['"])TZ\b"""
                        r"""|\bZoneInfo[ \t]*\(|\bgettz[ \t]*\(|\bpytz\.timezone[ \t]*\("""
                        r"""|\bTZInfo::Timezone\b"""
                        # an environment's key: {TZ: zone}, {"TZ": z}, ("TZ" => $z)
                        r"""|(?<![\w$.])(['"]?)TZ\7[ \t]*(?::(?!:)|=>)""", re.M)
# Code that picks a locale, or converts to a character set, by name.
LOCALE_IN_CODE = re.compile(r"\bsetlocale[ \t]*\(")
ICONV_IN_CODE = re.compile(r"\biconv(_open)?[ \t]*\(")
# Programs code runs: the command line (a string) or the program and its
# arguments (a list's leading strings) a call that runs programs is given:
# subprocess.run(["gzip", ...]), os.system("tar ..."), Ruby's and Perl's
# system, PHP's shell_exec, Node's execFile and spawn, shutil.which("zip"),
# Ansible's module.get_bin_path("unzip"), also split over lines; Perl's and
# Ruby's pipe opens, open(F, "-|", "xz") and open(F, "xz -d |").
RUN_FUNCTIONS = ("system|exec|execSync|execFile|execFileSync|spawn|spawnSync|popen|popen2|popen3|"
                 "shell_exec|passthru|proc_open|pcntl_exec|check_output|check_call|call|run|Popen|"
                 "getoutput|getstatusoutput|capture2|capture2e|capture3|pipeline|create_subprocess_exec|"
                 "create_subprocess_shell|which|get_bin_path|execlp|execvp|execl|execv|spawnlp|spawnvp|os:cmd|os\\.execute|"
                 "ProcessBuilder|System\\.cmd|System\\.shell|:os\\.cmd")
# (Java's: new ProcessBuilder("gzip", "-c", f), of Arrays.asList(...) or List.of(...),
# Runtime's exec(new String[]{"tar", ...}))
RUN_CALL = re.compile(r"""(?<![\w$])(""" + RUN_FUNCTIONS + r""")[ \t]*(\(|(?=['"]))\s*"""
                      r"""(\[|\(|array\(|(?:args|cmd)\s*=\s*[\[(]|new\s+String\s*\[\s*\]\s*\{"""
                      r"""|(?:Arrays\.asList|List\.of)\s*\()?""")
LIST_START = re.compile(r"\s*\[")
PIPE_OPEN = re.compile(r"""(?<![\w$])open[ \t]*\(?\s*[^,()'"]+,\s*(?:(['"])(?:-\||\|-)\1\s*,\s*(?=['"])"""
                       r"""|(['"])[ \t]*(\|)?([^'"\n|]+?)[ \t]*(\|)?[ \t]*\2)""")
# one string literal (Python's prefixes, Elixir's ~c and ~s sigils; a JavaScript template string) and
# the comma after it, if any
LITERAL = re.compile(r"""\s*(?:[rRbBfF]{1,2}|~[cCsS])?(['"`])((?:\\.|(?!\1)[^\n])*)\1\s*(,?)""")
# functions that hand their string to /bin/sh
SHELL_FUNCTIONS = frozenset({"system", "popen", "shell_exec", "passthru", "exec", "execSync",
                             "getoutput", "getstatusoutput", "create_subprocess_shell", "proc_open",
                             "os:cmd", "os.execute", "System.shell", ":os.cmd"})
# A command kept in a variable for a run call later, by a name that says
# so: args = ["curl", "-sS", url], my @cmd = ("gzip", "-9"), const
# curlArgs = [...], Java's List<String> cmd = Arrays.asList("tar", ...):
# the program is the list's first string.
# (and an entry of a hash or dict whose key names a command: gitweb's
# 'compressor' => ['gzip', '-n'], which it pipes `git archive` into)
COMMAND_LIST = re.compile(r"""(?<![\w$])\w*(?:cmd|command|args|argv)\w*[ \t]*=[ \t]*"""
                          r"""(?:\[|\(|array\(|new\s+String\s*\[\s*\]\s*\{|(?:Arrays\.asList|List\.of)\s*\()\s*"""
                          r"""|['"]\w*(?:cmd|command|args|argv|compressor|program)\w*['"]"""
                          r"""[ \t]*(?:=>|:)[ \t]*(?:\[|\(|array\()\s*""", re.I)
# An option whose value is a program the tool runs: pandoc's
# "--pdf-engine=pdfroff" (its markdown-to-PDF failed, "pdfroff not found")
OPTION_PROGRAM = re.compile(r"""['"]--?[\w-]*(?:engine|program|command|cmd|compressor|pager|editor|helper)"""
                            r"""=([A-Za-z0-9_][\w.+-]*)['"]""", re.I)
# A variable whose name says it holds a program, given one word or path:
# gitweb's `our $highlight_bin = "highlight";`, which it pipes every blob
# through (without it each blob view said "Reading blob failed", status 200)
PROGRAM_VARIABLE = re.compile(r"""(?<![\w])[$@]?[A-Za-z_]\w*?_"""
                              r"""(?:bin|binary|exe|executable|prog|program|cmd|command)"""
                              r"""[ \t]*:?=[ \t]*(['"])([A-Za-z0-9_/][\w./+-]*)\1""", re.I)
# ... or given one as the fallback of a setting: Redmine's `CONVERT_BIN =
# (Redmine::Configuration['imagemagick_convert_command'] || 'convert')`
# (its thumbnails, never asked for by a probe, were 404s without convert),
# Python's `os.environ.get("X") or "gzip"` and getenv's default, Perl's
# `//`, PHP's and JavaScript's `??` and `?:`: the last literal of the
# assignment, after one of those, or a getter's default after its comma
# (not a list's last item: GIT_CMD = ["git", "diff"]). Read on lines of
# PROGRAM_LINE characters at most (a minified file's one line is no
# setting, and costs the regex its backtracking).
PROGRAM_FALLBACK = re.compile(r"""(?<![\w])[$@]?[A-Za-z_]\w*?_"""
                              r"""(?:bin|binary|exe|executable|prog|program|cmd|command)"""
                              r"""[ \t]*:?=[^=\n](?:[^\n]*?(?:\|\||\bor\b|//|\?\?|\?:)"""
                              r"""|[^\n]*?\b(?:getenv|get|fetch)[ \t]*\([^,()\n]*,)[ \t]*"""
                              r"""(['"])([A-Za-z0-9_/][\w./+-]*)\1[ \t)\]]*(?:\.freeze)?[ \t]*;?[ \t]*$""",
                              re.I)
PROGRAM_LINE = 240
# ... or by any name, given to a call as the program: ikiwiki's Wrapper.pm
# compiles its CGI wrapper with `my @cc = exists $ENV{CC} ? ... : 'cc';` and
# `system(@cc, "$wrapper.c", ...)` (every --rebuild failed, "Can't exec
# "cc"", and no warning named cc); Python's `subprocess.run([cc, ...])`.
# The variable's assignment is read for the literal it ends with.
RUN_VARIABLE = re.compile(r"""(?<![\w$])(?:(?:system|exec|spawn)[ \t]*\(?[ \t]*([$@][A-Za-z_]\w*)[ \t]*[,)]"""
                          r"""|(?:run|call|Popen|check_output|check_call|spawn|execFile)"""
                          r"""[ \t]*\([ \t]*\[[ \t]*([A-Za-z_]\w*)[ \t]*,)""")
ASSIGNED_LAST = r"""[ \t]*=(?!=)[^;\n]*?(['"])([A-Za-z0-9_/][\w./+-]*)\1[ \t)]*;?[ \t]*$"""
# Ruby's, Perl's and PHP's backticks, Perl's qx() and Ruby's %x(): a command line
BACKTICKS = re.compile(r"`([^`\n]+)`|\bqx[ \t]*([({\[<|/])(.+?)[)}\]>|/]|%x\(([^)\n]+)\)")
# A '#' comment of Ruby, Perl or PHP (at a line's start or after a blank:
# not Perl's $#ARGV, m#...#, /^#/, nor Ruby's ?#), or a string on one line,
# where a '#' is none (the backticks of a comment's Markdown are no command:
# Redmine's "# Allow `id` in a and li elements" kept /usr/bin/id)
HASH_COMMENT = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`\n]*`)|(?:^|(?<=[ \t]))#[^\n]*""",
                          re.M)
PLACEHOLDER = re.compile(r"#\{[^}]*\}|\$\{[^}]*\}|\{[^}]*\}")
JS_REQUIRE = re.compile(r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)"""
                        r"""(['"])([^'"\n]+)\1""", re.M)


# What a shell script holds as data, not commands, over several lines: a
# here-document's body, and a quoted string that spans lines (an awk
# program, a usage text). Read line by line, graphviz's dotty's usage
# "(sync|async)" ran `sync`, and tzselect's awk `cc = country` ran `cc`.
QUOTING = re.compile(r"""[\\#'"]""")
# A shell given -c (alone or in a cluster), or su, runuser or flock given
# -c, right before a string: its operand is a command line, though it
# spans lines
SHELL_C_BEFORE = re.compile(r"(?:^|[\s;&|(/])(?:(?:ba|da|k|z|a)?sh|su|runuser|flock)"
                            r"(?:[ \t]+[-+]?[\w./$-]+)*?[ \t]+-\w*c\w*[ \t]*$")
HEREDOC = re.compile(r"""<<-?[ \t]*(['"]?)(\w+)\1([^\n]*)\n(?:.*?\n)??[ \t]*\2[ \t]*(?=\n|$)""", re.S)
# git's sample hooks (never_run)
SAMPLE_HOOK = re.compile(r"/hooks/[^/]+\.sample$")


# A here-document and the command line it is given to (interpreter_heredocs)
HEREDOC_LINE = re.compile(r"""^([^\n#]*?)<<-?[ \t]*(['"]?)(\w+)\2([^\n]*)\n(.*?)\n[ \t]*\3[ \t]*$""",
                          re.M | re.S)
LINE_COMMENT = re.compile(r"(?:^|[ \t])#.*")
# An interpreter that reads its program from standard input, by its name
STDIN_INTERPRETERS = {"perl": "perl", "python": "python", "ruby": "ruby", "lua": "lua", "php": "php"}


def interpreter_heredocs(text: str) -> list[tuple[str, str]]:
    """The programs a shell script gives an interpreter in a here-document,
    as (language, code): `perl - "$@" <<'End'` (or no script argument at
    all) reads its program from the here-document; `perl x.pl <<EOF`,
    `perl -e '...'` read data. exim_checkaccess is such a script, whose
    Perl loads FileHandle and IPC::Open2 ("Can't locate FileHandle.pm").
    The same when the here-document is piped to it: `cat <<EOF | python3 -`."""
    out = []
    for m in HEREDOC_LINE.finditer(text):
        after = LINE_COMMENT.sub("", m.group(4)).split("|", 1)
        words = (m.group(1) + (f" | {after[1]}" if len(after) > 1 else "")).replace("|", " ").split()
        for i, word in enumerate(words):
            name = re.sub(r"[0-9.]+$", "", posixpath.basename(word))
            language = STDIN_INTERPRETERS.get(name)
            if language is None:
                continue
            args = [w for w in words[i + 1:] if w == "-" or not w.startswith("-")]
            options = [w for w in words[i + 1:] if w.startswith("-") and w != "-"]
            if (not args or args[0] == "-") and not any(o.startswith(("-e", "-E", "-c")) for o in options):
                out.append((language, m.group(5)))
            break
    return out


def _without_data(text: str) -> str:
    """text with here-document bodies and quoted strings that span lines
    each made one word, so no line of theirs reads as a command."""
    text = HEREDOC.sub(lambda m: "<<_" + m.group(3), text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        special = QUOTING.search(text, i)       # (what lies between is copied as it is)
        if special is None:
            out.append(text[i:])
            break
        out.append(text[i:special.start()])
        i = special.start()
        c = text[i]
        if c == "\\":
            out.append(text[i:i + 2])
            i += 2
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;&|("):
            end = text.find("\n", i)          # a comment, whatever quotes it holds
            end = n if end < 0 else end
            out.append(text[i:end])
            i = end
        elif c in "'\"":
            code: list[tuple[int, int]] = []
            end = _quote_end(text, i, code)
            quoted = text[i:end]
            if "\n" in quoted and SHELL_C_BEFORE.search("".join(out[-8:])[-160:]):
                # a shell's command line (`sh -c "<newline> cp ... && mv
                # ..."`, unbound's helper under setpriv): its lines are code
                out.append("_")
                out.append(f"\n{_without_data(quoted[1:-1])}\n")
            elif "\n" in quoted:
                # one word, and the commands its substitutions run, each
                # on lines of their own (git's commit-msg hook runs `sort |
                # uniq -c` inside "$(grep ... |<newline> sort | ...)")
                out.append("_")
                out += [f"\n{_without_data(text[a:b])}\n" for a, b in code]
            else:
                out.append(quoted)
            i = end
        else:
            out.append(c)       # a '#' inside a word: no comment
            i += 1
    return "".join(out)


def _quote_end(text: str, start: int, code: list[tuple[int, int]] | None = None) -> int:
    """Where the quoted string at text[start] ends (past its closing
    quote; the text's end if it has none). In double quotes a backslash
    escapes, and a command substitution, $(...), may hold quotes of its
    own; code, when given, gets where the text of each (not nested in
    another) starts and ends."""
    quote, i, n = text[start], start + 1, len(text)
    if quote == "'":
        end = text.find("'", i)
        return n if end < 0 else end + 1
    depth, opened = 0, i
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == '"':
            return i + 1
        if text.startswith("$(", i):
            depth += 1
            i += 2
            if depth == 1:
                opened = i
            continue
        if depth and c == ")":
            depth -= 1
            if depth == 0 and code is not None:
                code.append((opened, i))
        elif depth and c in "'\"":
            i = _quote_end(text, i)
            continue
        i += 1
    return n


BRACED_VARIABLE = re.compile(r"\$\{([A-Za-z_]\w*)\}(?!\w)")


def _command_words(text: str) -> Iterator[str]:
    """The first word of each simple command of a shell script (after
    assignments, keywords and redirections), unquoted, and the word a
    wrapper (exec, xargs, env, timeout...) runs, outside here-documents and
    quoted strings over several lines (data)."""
    for line in _without_data(text).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = BRACED_VARIABLE.sub(r"$\1", line)     # (its braces are no group's)
        for segment in SEGMENT.split(line):
            words = segment.split()
            while words:
                w = words.pop(0)
                if REDIRECTION.match(w):
                    if REDIRECTION.fullmatch(w) and words:
                        words.pop(0)          # "< file": the file is no command
                    continue
                if w in ("for", "select", "case"):
                    break           # a loop's variable (`for dir in $PATH`), or the word a case tests
                w = w.strip("\"'")     # (the first word of a string `sh -c` is given: `'FOO=1 gzip`)
                if w == "time":         # (a keyword of bash's, with -p; else GNU time's options)
                    words = _wrapped(words, *WRAPPERS["time"])
                    continue
                if ASSIGNMENT.match(w) or w in SHELL_KEYWORDS:
                    continue
                yield w
                if not COMMAND_WORD.match(w):
                    break
                if w == "env":
                    # its options' values are no commands: -u NAME, -C DIR
                    program = env_program(words)
                    words = words[words.index(program):] if program is not None else []
                    continue
                name = posixpath.basename(w)
                if name in WRAPPERS:
                    words = _wrapped(words, *WRAPPERS[name])
                    continue
                if name in SHELLS:
                    words = _shell_command(words)
                    continue
                break


def _takes_value(option: str, valued: frozenset[str]) -> bool:
    """Whether option takes the next word as its value: one of valued, or
    a cluster of short ones whose last does (sudo's `-Hu postgres`)."""
    return option in valued or (len(option) > 2 and option[0] == "-" and option[1] != "-"
                                and f"-{option[-1]}" in valued)


def _wrapped(words: list[str], valued: frozenset[str], before: int, commands: frozenset[str]) -> list[str]:
    """The words from the program a wrapper given words runs (see WRAPPERS)."""
    i, left = 0, before
    while i < len(words):
        w = words[i]
        if w == "--":
            return words[i + 1 + left:]
        if w.startswith("-"):           # (su's lone "-" too)
            if w in commands or _takes_value(w, commands):
                return words[i + 1:]    # its value is the command line: its first word
            i += 2 if _takes_value(w, valued) else 1
        elif ASSIGNMENT.match(w):
            i += 1
        elif left:
            left -= 1
            i += 1
        else:
            return words[i:]
    return []


def _shell_command(words: list[str]) -> list[str]:
    """The words from the first of the command line a shell given words
    runs with -c; none when it runs a script (or reads its input)."""
    command, i = False, 0
    while i < len(words) and len(words[i]) > 1 and words[i][0] in "-+":
        w = words[i]
        command = command or (w[0] == "-" and w[1] != "-" and "c" in w[1:])
        i += 2 if w in SHELL_VALUED else 1
    return words[i:] if command else []


def script_commands(text: str) -> list[str]:
    """Names of the programs a shell script runs: the first word of each
    simple command, and the program a wrapper runs (_command_words), and
    the words a function of its own that looks its arguments up on PATH
    is called with (_looked_up). Builtins are left out."""
    return list(dict.fromkeys(w for w in [*_command_words(text), *_looked_up(text)]
                              if COMMAND_WORD.match(w) and w not in SHELL_BUILTINS))


# A command attribute of an XML configuration: a command line a program
# runs with its shell (ImageMagick's delegates.xml, GraphicsMagick's
# delegates.mgk), its quotes written as entities
XML_COMMAND = re.compile(r"""(?<![\w.:-])command[ \t]*=[ \t]*(["'])(.*?)\1""", re.S)


def xml_commands(text: str) -> list[str]:
    """The programs the command attributes of an XML configuration run,
    entities unescaped, each command of each line (script_commands): gs in
    ImageMagick's delegates for PDF, PostScript and EPS, written
    `command="&quot;gs&quot; -sstdout=%%stderr ..."`."""
    words: dict[str, None] = {}
    for m in XML_COMMAND.finditer(text):
        # (each alone: one whose quotes do not pair, as ImageMagick's
        # blender delegate's, would make data of the lines after it)
        words.update(dict.fromkeys(script_commands(html.unescape(m.group(2)))))
    return list(words)


# A shell function of the script's own, and its body up to a closing brace
# at a line's start; one that looks its arguments up as programs
SHELL_FUNCTION = re.compile(r"^[ \t]*(?:function[ \t]+)?([A-Za-z_][\w-]*)[ \t]*\(\)[ \t]*\{?[ \t]*\n"
                            r"(.*?)^[ \t]*\}", re.M | re.S)
LOOKS_UP_ARGUMENT = re.compile(r"""\b(?:which|command[ \t]+-v|type[ \t]+-[pP]|hash)[ \t]+["']?\$\{?[1@*]\b"""
                               r"""|-x[ \t]+["']?/[\w/.-]*/\$\{?1\b"""
                               # (or runs them: sensible-pager's Run() { "$@"; ... })
                               r"""|^[ \t]*(?:exec[ \t]+)?"?\$\{?@\}?"?(?:[ \t]|$)""", re.M)
# A variable's default, ${PAGER:-pager}: the word it falls back on
DEFAULT_WORD = re.compile(r"^\$\{[A-Za-z_]\w*:?-([\w./+-]+)\}$")


def _looked_up(text: str) -> list[str]:
    """The words a script's own function that looks its arguments up on
    PATH (which "$1", command -v, [ -x /usr/bin/$1 ]), or runs them, is
    called with: kamctl's `locate_tool egrep` and later `$EGREP` ("'egrep'
    tool not found" on every user it added); sensible-pager's `Run
    ${PAGER:-pager} "$@" || Run more "$@"` (a variable's default counts:
    `hg log` on a terminal printed "Couldn't find a pager!")."""
    finders = {m.group(1) for m in SHELL_FUNCTION.finditer(text) if LOOKS_UP_ARGUMENT.search(m.group(2))}
    if not finders:
        return []
    names = "|".join(map(re.escape, sorted(finders)))
    call = re.compile(r"^[ \t]*(?:" + names + r")[ \t]+([^;&|#`\n]+)", re.M)
    words = [w.strip("\"'") for m in call.finditer(text) for w in m.group(1).split()]
    return [d.group(1) if (d := DEFAULT_WORD.match(w)) else w for w in words
            if not w.startswith("-") and (not w.startswith("$") or DEFAULT_WORD.match(w))]


# A variable as a whole word: "$NAME" or "${NAME}"
VARIABLE_WORD = re.compile(r"^\$(?:([A-Za-z_]\w*)|\{([A-Za-z_]\w*)\})$")
# A variable given a value that ends in a path: NAME=value, and the
# defaults ${NAME=value} and ${NAME:=value}; the value up to its first
# space, quote, backquote or separator (a command's output is no path)
VARIABLE_PATH = re.compile(r"""(?:^|[\s;&|(])(?:\$\{)?([A-Za-z_]\w*):?=(["']?)"""
                           r"""((?:\$\{?\w+\}?|[\w.+@-])*(?:/[\w.+@-]+)+)\2(?=$|[\s;&|)}])""", re.M)
VARIABLE_REFERENCE = re.compile(r"\$\{?\w+\}?")


def script_variable_commands(text: str) -> list[str]:
    """The variables a shell script runs as commands ("$MT_MKTEXDIR" "$dir"):
    their names."""
    out = [m.group(1) or m.group(2) for w in _command_words(text) if (m := VARIABLE_WORD.match(w))]
    return list(dict.fromkeys(out))


def sourced_variables(text: str) -> list[str]:
    """The variables a shell script reads in with `.` or `source`
    (`. "$MT_MKTEX_OPT"`): their names."""
    out = [v.group(1) or v.group(2) for m in SOURCED.finditer(text)
           if (v := VARIABLE_WORD.match(m.group(1).strip("\"'")))]
    return list(dict.fromkeys(out))


def variable_paths(text: str) -> dict[str, list[str]]:
    """The paths a shell script gives its variables, by variable: an
    absolute value as written (MT_X=/usr/lib/x), else the literal tail of a
    value that starts with other variables (MT_MKTEX_OPT="$MT_TEXMFMAIN/web2c/mktex.opt"
    gives "/web2c/mktex.opt", of which path is for the caller to find);
    a tail of one component ("$dir/conf") says too little to count."""
    out: dict[str, list[str]] = {}
    for m in VARIABLE_PATH.finditer(text):
        value = m.group(3)
        refs = list(VARIABLE_REFERENCE.finditer(value))
        tail = value[refs[-1].end():] if refs else value
        if not tail.startswith("/") or (refs and tail.count("/") < 2):
            continue
        out.setdefault(m.group(1), []).append(tail)
    return out


# ". NAME" or "source NAME" at a command's start: a shell library read into
# the script (git's ". git-sh-setup", '. "$(git --exec-path)/git-sh-i18n"')
SOURCED = re.compile(r"""(?:^|[;&|]|\b(?:then|else|do))[ \t]*(?:\.|source)[ \t]+"""
                     r"""((?:"[^"\n]*"|'[^'\n]*'|[^\s;&|"']+)+)""", re.M)     # ("$PROGPATH"/utils.sh)


def sourced_names(text: str) -> list[str]:
    """The files a shell script reads in with `.` or `source`: an absolute
    name as written, else the last component of the name (what precedes
    it is a variable or a command's output, such as "$(git --exec-path)/",
    and `.` looks a bare name up on PATH); names with a variable in the
    last component are left out."""
    out = []
    for m in SOURCED.finditer(text):
        token = m.group(1).replace('"', "").replace("'", "")
        name = token if COMMAND_WORD.match(token) else token.rsplit("/", 1)[-1]
        if name and COMMAND_WORD.match(name):
            out.append(name)
    return list(dict.fromkeys(out))


# Crontabs. A job line: five time fields or an @keyword, then the user in
# the system's crontabs (/etc/crontab, /etc/cron.d/*), then the command, up
# to its first unescaped % (what follows is the command's input); in
# anacrontab: period, delay and identifier, then the command. NAME=value
# lines set the jobs' environment.
CrontabKind = Literal["user", "system", "anacron"]
CRON_FIELDS: dict[str, int] = {"user": 5, "system": 6, "anacron": 3}
CRON_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)[ \t]*=[ \t]*(.*)$")
CRON_INPUT = re.compile(r"(?<!\\)%")
# run-parts DIR, after its options: every program in DIR whose name is all
# letters, digits, '_' and '-' (Debian's run-parts' default; a dpkg-old or
# a README is not run). --list and --test run nothing; -a and -u take a
# value.
RUN_PARTS = re.compile(r"""(?:^|[\s;&|({`])(?:/[\w./+-]*/)?run-parts(?=[\s'"]|$)([^;&|)}`\n]*)""")
RUN_PARTS_VALUED = frozenset({"-a", "-u"})
RUN_PARTS_NOT_RUNNING = frozenset({"--list", "--test"})
RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class Crontab(NamedTuple):
    commands: list[str]     # the jobs' command lines
    shell: str | None       # what they are given to (SHELL=), None when not set


def crontab_commands(text: str, kind: CrontabKind) -> Crontab:
    """The commands of a crontab's jobs, and the shell they are given to."""
    skip_fields = CRON_FIELDS[kind]
    commands: list[str] = []
    shell = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if m := CRON_ASSIGNMENT.match(line):
            if m.group(1) == "SHELL":
                shell = m.group(2).strip().strip("\"'") or None
            continue
        # an @keyword stands for the five time fields
        skip = skip_fields - 4 if kind != "anacron" and line.startswith("@") else skip_fields
        fields = line.split(None, skip)
        if len(fields) > skip:
            command = CRON_INPUT.split(fields[skip], 1)[0].replace("\\%", "%").strip()
            if command:
                commands.append(command)
    return Crontab(commands, shell)


def run_parts_dirs(text: str) -> list[str]:
    """The directories a command line or script runs with run-parts."""
    out = []
    for m in RUN_PARTS.finditer(text):
        words = [w.strip("\"'") for w in m.group(1).split()]
        if RUN_PARTS_NOT_RUNNING & set(words):
            continue
        i = 0
        while i < len(words):
            word = words[i]
            if word in RUN_PARTS_VALUED:
                i += 2
                continue
            if not word.startswith("-"):
                if word.startswith("/"):
                    out.append(word.rstrip("/") or "/")
                break
            i += 1
    return list(dict.fromkeys(out))


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


def shebang_words(head: bytes) -> list[str]:
    """The words of a file's #! line (none when it has none), as the
    kernel reads it: up to the end of the line or a NUL
    (`#!/bin/sh\\0/etc/shadow` runs /bin/sh)."""
    if not head.startswith(b"#!"):
        return []
    return head[2:].split(b"\n", 1)[0].split(b"\0", 1)[0].decode("utf-8", "replace").split()


def shebang_program(head: bytes) -> str | None:
    """The name of the program a file's #! line runs (through env), or
    None when it has none."""
    line = shebang_words(head)
    if not line:
        return None
    prog = posixpath.basename(line[0])
    return posixpath.basename(env_program(line[1:]) or "") if prog == "env" else prog


def never_run(path: str) -> bool:
    """A script that is executable and never run: git's sample hooks, which
    `git init` writes into every repository (a Hugo site's .git brought
    git, perl and 110 Perl units, 88.7 MB, to an image of 64 MB)."""
    return SAMPLE_HOOK.search(path) is not None


def is_shell_script(head: bytes, path: str) -> bool:
    if head.startswith(b"#!"):
        return shebang_program(head) in SHELLS
    return path.endswith(".sh")


def is_python_script(head: bytes) -> bool:
    """A file whose #! line runs python (python3, python3.11)."""
    return bool(PYTHON_INTERPRETER.match(shebang_program(head) or ""))




# A compound statement of the module's own top level, whose body runs as
# the module is imported (a def's or a class's body does not, or not its
# methods). Not a try's: an import there is one the module does without
# (PY_IMPORT_FALLBACK reads the handler that replaces it).
PY_TOP_BLOCK = re.compile(r"(?:if|elif|else|with|for|while)\b[^\n]*:[ \t]*(?:#.*)?$")
PY_MAIN_BLOCK = re.compile(r"""if[ \t(]+__name__[ \t]*==[ \t]*['"]__main__['"]"""
                           r"""|if[ \t(]+(?:typing\.)?TYPE_CHECKING\b""")
# what a top-level block holds that runs later or may fail: a def's or a
# class's body, a nested try's (an import there is optional, as at the top)
PY_SKIPPED_BODY = re.compile(r"(?:async[ \t]+)?(?:def|class)\b|try[ \t]*:")


def _top_level_block_lines(text: str) -> str:
    """The statements in the module's top-level if/else/with/for blocks,
    dedented, without what a def or class in them holds: rabbitmqadmin
    imports configparser under `if sys.version_info[0] == 2: ... else:`,
    and without it every rabbitmqadmin command failed, "No module named
    'configparser'"."""
    out: list[str] = []
    in_block = False
    skipped_from: int | None = None      # the indentation of a def, class or try in the block
    for line in text.splitlines():
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent == 0:
            # (not the block run as a script: `if __name__ == "__main__":`
            # imports doctest in heapq, unittest in many; nor `if
            # TYPE_CHECKING:`, imports for a type checker only)
            in_block = bool(PY_TOP_BLOCK.match(line)) and not PY_MAIN_BLOCK.match(line)
            skipped_from = None
            continue
        if not in_block:
            continue
        if skipped_from is not None:
            if indent > skipped_from:
                continue
            skipped_from = None
        if PY_SKIPPED_BODY.match(stripped):
            skipped_from = indent
            continue
        out.append(stripped)
    return "\n".join(out)


def python_imports(text: str, required: bool = False) -> list[str]:
    """Modules a Python file imports, absolute ones by their full dotted
    name and relative ones as '.name' (one dot per level); with required,
    only those the module's import runs: at its top level, in its top
    level's if/else/with blocks, and the fallbacks of a top-level import
    that may fail; not in a function or a class."""
    out = []
    found = list((PY_IMPORT_REQUIRED if required else PY_IMPORT).finditer(text))
    if required:
        for handler in PY_IMPORT_FALLBACK.finditer(text):
            found += PY_IMPORT.finditer(handler.group(1))
        found += PY_IMPORT_REQUIRED.finditer(_top_level_block_lines(text))
    if not required:
        out += [m.group(2) for m in PY_IMPORT_CALL.finditer(text)]
    for m in found:
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


# A directory Python code puts on its module search path by literals:
# sys.path.insert(0, '/dir'), sys.path.append(...), site.addsitedir(...),
# the directory a string or os.path.join of strings (LilyPond's scripts:
# sys.path.insert (0, os.path.join ('/usr/share/lilypond/2.24.1', 'python')))
PY_LITERAL = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
PY_PATH_DIR = re.compile(r"\b(?:sys\.path\.insert\s*\(\s*[^,()]+,|sys\.path\.append\s*\("
                         r"|site\.addsitedir\s*\()"
                         rf"\s*({PY_LITERAL}|os\.path\.join\s*\(\s*{PY_LITERAL}(?:\s*,\s*{PY_LITERAL})*\s*\))\s*\)")


def python_path_dirs(text: str) -> list[str]:
    """The absolute directories Python code puts on sys.path by literals
    (PY_PATH_DIR), normalized."""
    out = []
    for m in PY_PATH_DIR.finditer(text):
        parts = [lit[1:-1] for lit in re.findall(PY_LITERAL, m.group(1))]
        path = posixpath.normpath(posixpath.join(*parts)) if parts else ""
        if path.startswith("/") and path != "/":
            out.append(path)
    return list(dict.fromkeys(out))


# A dotted module name alone in a string literal ('sphinx.builders.linkcheck')
DOTTED_NAME = re.compile(r"""(['"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\1""")


def dotted_names(text: str) -> list[str]:
    """Dotted names written alone in Python string literals: modules a
    package may import by those names (the caller keeps those that are
    modules of its own)."""
    return list(dict.fromkeys(m.group(2) for m in DOTTED_NAME.finditer(text)))


# The entry-point group code asks the installed distributions for:
# entry_points(group="sphinx.html_themes"), iter_entry_points("..."),
# entry_points().select(group=...), entry_points()["..."] or .get("...")
ENTRY_POINT_GROUP = re.compile(r"""\b(?:entry_points|iter_entry_points|select)\(\s*(?:group\s*=\s*)?"""
                               r"""(['"])([\w.-]+)\1"""
                               r"""|\bentry_points\(\)\s*(?:\[|\.get\()\s*(['"])([\w.-]+)\3""")


def entry_point_groups(text: str) -> list[str]:
    """The entry-point groups Python code looks plugins up in."""
    return list(dict.fromkeys(m.group(2) or m.group(4) for m in ENTRY_POINT_GROUP.finditer(text)))


def entry_points_file_groups(text: str) -> list[str]:
    """The groups an entry_points.txt registers into (its [sections])."""
    return list(dict.fromkeys(m.group(1) for m in re.finditer(r"^\[([^\]\n]+)\]\s*$", text, re.M)))


def js_relative_requires(text: str) -> list[str]:
    """The files a JavaScript file requires by a relative name
    ('./data/packed/latest.json'), as written."""
    return list(dict.fromkeys(spec for _, spec in JS_REQUIRE.findall(text) if spec.startswith(("./", "../"))))


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


def ruby_requires(text: str, required: bool = False) -> list[str]:
    """The features a Ruby file requires (or autoloads): 'net/http'; with
    required, only the requires outside its methods, run when it loads. A
    method is told by its `def` line and the `end` at the same indent."""
    out = []
    methods: list[str] = []      # the indents of the methods the line is in
    for line in _code_only(RUBY_COMMENT_BLOCK.sub("", text)).splitlines():
        if methods and (end := RUBY_END.match(line)) and end.group(1) == methods[-1]:
            methods.pop()
            continue
        if (start := RUBY_DEF.match(line)) is not None:
            methods.append(start.group(1))
            continue
        for m in RUBY_REQUIRE.finditer(line):
            if not (required and (methods or m.group(1) != "require")):
                out.append(m.group(3))
    return list(dict.fromkeys(out))


# A gem a Ruby script activates by its name: RubyGems' binstubs load the
# gem's own executable (`load Gem.activate_bin_path('erb', 'erb', version)`).
RUBY_GEM = re.compile(r"""(?:\bGem\.(?:activate_bin_path|bin_path)\s*\(?|^[ \t]*gem\b\s*\(?)"""
                      r"""\s*['"]([\w.-]+)['"]""", re.M)


def ruby_gems(text: str) -> list[str]:
    """The gems a Ruby file activates by name (Gem.activate_bin_path,
    Gem.bin_path, gem 'NAME')."""
    return list(dict.fromkeys(RUBY_GEM.findall(_code_only(text))))


# Perl's glob operator, a function or <*.c>: perl loads File::Glob for it.
PERL_GLOB = re.compile(r"\bglob[ \t]*\(|<[^<>\s]*\*[^<>\s]*>")


def perl_modules(text: str) -> list[str]:
    """The modules a Perl file loads, as Net::HTTP: when it compiles (use,
    no, use parent) and when it runs (require, also in a module: modules
    load their helpers so, Unicode::Collate its default normalization's
    Unicode::Normalize in an eval; not following those cost a Perl
    server's collation, following them 1.4 MB on the Perl and PostgreSQL
    images). Pragmas are modules too (strict.pm, constant.pm)."""
    text = PERL_POD.sub("", _code_only(text))
    out = []
    for m in PERL_LOAD.finditer(text):
        out.append(m.group(3).replace("/", "::") if m.group(3) else m.group(4))
    for m in PERL_PARENTS.finditer(text):
        out += [c for c in PERL_CLASS.findall(m.group(1)) if c != "qw"]
    if PERL_GLOB.search(text):
        out.append("File::Glob")        # what perl loads for glob() itself (a2enmod)
    if PERL_DYNAMIC_LOAD.search(text):
        # a name it loads by a variable is one it holds as a string:
        # Pod::Usage's BEGIN does `$Formatter ||= 'Pod::Text'; eval "require
        # $Formatter"`, and every script that used Pod::Usage (Squid's Perl
        # helpers) died at compile time, "Can't locate Pod/Text.pm"
        # (not a table of names: Module::CoreList's lists of every release's
        # modules, thousands, which corelist loads: 162 Perl units, 11.9 MB,
        # came with perl's commands, "loaded" by it)
        # (and as a word of a qw() list: exiftool checks its optional
        # modules with `eval "require $_"` over qw(... IO::Compress::Bzip2
        # ...), and `exiftool -ver -v` said that one was not installed)
        names = list(dict.fromkeys([*(m.group(2) for m in PERL_MODULE_LITERAL.finditer(text)),
                                    *(w for m in PERL_QW.finditer(text) for w in "".join(m.groups("")).split()
                                      if PERL_MODULE_NAME.fullmatch(w))]))
        if len(names) <= PERL_LOADED_NAMES:
            out += names
    return list(dict.fromkeys(out))


def erlang_names(text: str) -> list[str]:
    """The modules and applications Erlang code names: the modules it
    calls (io_lib:format, also in a handler the probes never took), its
    behaviours, the applications it starts (ensure_all_started(ssl)), the
    modules it loads by name, the applications of the headers it includes.
    The code server finds each by its name, so a name that is no module is
    only a name nothing is kept for."""
    text = ERLANG_COMMENT.sub("", text)
    names = [m.group(1) for m in ERLANG_CALL.finditer(text)]
    names += ERLANG_NAMED.findall(text) + ERLANG_INCLUDE_LIB.findall(text)
    return list(dict.fromkeys(names))


def elixir_names(text: str) -> list[str]:
    """The Erlang modules and applications Elixir code names (as
    erlang_names for Erlang's): :crypto.hash(...), &:zlib.gzip/1,
    Application.ensure_all_started(:ssl). Elixir's own modules are its
    package's, kept whole with the program that runs them."""
    text = R_STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", text)     # (a string's '#' is none)
    names = [a or b for a, b in ELIXIR_CALL.findall(text)]
    for one, many in ELIXIR_NAMED.findall(text):
        names += [one] if one else ELIXIR_ATOM.findall(many)
    return list(dict.fromkeys(names))


# Tcl: `package require ?-exact? name ?version?`; the programs `exec` and a
# pipe's open run (`exec gzip -c $f`, `open "|date +%s"`), and those
# auto_execok looks up
TCL_REQUIRE = re.compile(r"\bpackage[ \t]+require[ \t]+(?:-exact[ \t]+)?\{?([A-Za-z_][\w:]*)")
TCL_EXEC = re.compile(r"(?:^|[\[;{])[ \t]*exec[ \t]+(?:-(?:keepnewline|ignorestderr)[ \t]+)*(?:--[ \t]+)?"
                      r"([A-Za-z0-9_/][\w./+-]*)", re.M)
TCL_PIPE_OPEN = re.compile(r"""\bopen[ \t]+["{]?\|[ \t]*([A-Za-z0-9_/][\w./+-]*)""")
TCL_EXECOK = re.compile(r"\bauto_execok[ \t]+([A-Za-z0-9_][\w.+-]*)")
TCL_COMMENT = re.compile(r"^[ \t]*#[^\n]*", re.M)


# Octave: `pkg load statistics signal` (command syntax), pkg("load", "io")
OCTAVE_PKG_LOAD = re.compile(r"""^[ \t]*pkg[ \t]+load[ \t]+([\w \t-]+)"""
                             r"""|\bpkg[ \t]*\([ \t]*['"]load['"][ \t]*,[ \t]*['"]([\w-]+)['"]""", re.M)
OCTAVE_COMMENT = re.compile(r"^[ \t]*[%#][^\n]*", re.M)


def octave_packages(text: str) -> list[str]:
    """The packages Octave code loads (pkg load)."""
    text = OCTAVE_COMMENT.sub("", text)
    names: list[str] = []
    for words, quoted in OCTAVE_PKG_LOAD.findall(text):
        names += words.split() if words else [quoted]
    return list(dict.fromkeys(n for n in names if not n.startswith("-")))


def tcl_requires(text: str) -> list[str]:
    """The packages Tcl code requires, as json/write for json::write."""
    text = TCL_COMMENT.sub("", text)
    return list(dict.fromkeys(m.replace("::", "/") for m in TCL_REQUIRE.findall(text)))


def tcl_commands(text: str) -> list[str]:
    """The programs Tcl code runs: exec's (each of its pipeline's
    commands is another exec word: the first is taken), a pipe open's,
    auto_execok's."""
    text = TCL_COMMENT.sub("", text)
    words = [*TCL_EXEC.findall(text), *TCL_PIPE_OPEN.findall(text), *TCL_EXECOK.findall(text)]
    return list(dict.fromkeys(w for w in words if w not in SHELL_BUILTINS))


def php_requires(text: str) -> list[str]:
    """The files PHP code requires or includes by a literal name:
    'Twig/autoload.php', looked up along include_path."""
    return list(dict.fromkeys(m.group(2) for m in PHP_REQUIRE.finditer(text)))


def code_paths(text: str) -> list[str]:
    """The absolute paths code names in a string literal of its own
    ('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf')."""
    return list(dict.fromkeys(m.group(2) for m in CODE_PATH.finditer(text)))


# R: library(ggplot2), require("MASS"), requireNamespace('mgcv'),
# loadNamespace(...), and a function called through its package, mgcv::gam
R_LIBRARY_CALL = re.compile(r"""\b(?:library|require|requireNamespace|loadNamespace)\(\s*"""
                            r"""(?:package\s*=\s*)?(['"]?)([A-Za-z][\w.]*)\1\s*([,)])""")
R_NAMESPACE = re.compile(r"""(?<![\w.])([A-Za-z][\w.]*):::?(?=[A-Za-z.`])""")
# a string, kept, or a comment, dropped (a '#' in a string starts none: '#fff')
R_STRING_OR_COMMENT = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|#[^\n]*""")


def r_libraries(text: str) -> list[str]:
    """The R packages R code loads or calls into (not library(x,
    character.only = TRUE), where x holds the name)."""
    code = R_STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", text)
    names = []
    for m in R_LIBRARY_CALL.finditer(code):
        rest = code[m.end(3) - 1:code.find(")", m.end(3) - 1) + 1] if m.group(3) == "," else ""
        if not m.group(1) and "character.only" in rest:
            continue
        names.append(m.group(2))
    return list(dict.fromkeys(names + [m.group(1) for m in R_NAMESPACE.finditer(code)]))


# A font's file name alone in a string literal ("DejaVuSans-Bold.ttf"):
# Pillow's ImageFont.truetype, GD and others look it up under the font
# directories
FONT_NAME = re.compile(r"""(['"])([\w+-][\w.+-]*\.(?:ttf|otf|ttc|pfb|pfa|woff2?))\1""", re.I)


def font_names(text: str) -> list[str]:
    """The font files code names by their file name alone."""
    return list(dict.fromkeys(m.group(2) for m in FONT_NAME.finditer(text)))


def lua_requires(text: str) -> list[str]:
    """The modules Lua code requires, as paths under a library directory
    without suffix (socket.http is socket/http: socket/http.lua, or a C
    module socket/http.so); and the dotted names in its strings, which
    code requires by a name it picks (LuaDBI's drivers: `{sqlite3 =
    'dbd.sqlite3', ...}`, then `require(driver)`), for the caller to keep
    only where one is installed."""
    text = LUA_COMMENT.sub("", text)
    names = [m.group(2) for m in LUA_REQUIRE.finditer(text)] + LUA_DOTTED.findall(text)
    return list(dict.fromkeys(name.replace(".", "/") for name in names))


def _code_only(text: str) -> str:
    """text up to its __END__ or __DATA__ line."""
    end = CODE_END.search(text)
    return text[:end.start()] if end else text


SCRIPT_SUFFIXES = {".rb": "ruby", ".pl": "perl", ".pm": "perl", ".cgi": "perl",
                   ".erl": "erlang", ".hrl": "erlang", ".escript": "erlang", ".lua": "lua", ".php": "php",
                   ".R": "r", ".r": "r", ".ex": "elixir", ".exs": "elixir", ".tcl": "tcl", ".tm": "tcl",
                   ".m": "octave"}
INTERPRETER = re.compile(r"^(ruby|perl|escript|lua|php|Rscript|elixir|tclsh|wish|octave|octave-cli)[0-9.]*$")
INTERPRETER_LANGUAGE = {"escript": "erlang", "Rscript": "r", "tclsh": "tcl", "wish": "tcl",
                        "octave-cli": "octave"}
PYTHON_INTERPRETER = re.compile(r"^python[0-9.]*$")


def script_language(head: bytes, path: str) -> str | None:
    """'ruby', 'perl', 'erlang', 'elixir', 'lua', 'php', 'r' or 'tcl' for a file of that language
    (by its #! line, else by its suffix), else None."""
    m = INTERPRETER.match(shebang_program(head) or "")
    if m:
        return INTERPRETER_LANGUAGE.get(m.group(1), m.group(1))
    return SCRIPT_SUFFIXES.get(posixpath.splitext(path)[1])


def sets_locale(text: str) -> bool:
    """Whether code calls setlocale (then any installed locale may be read)."""
    return LOCALE_IN_CODE.search(text) is not None


# gettext.translation(domain, localedir, languages=[...]): Python code that
# picks the language of its messages itself, per call, not from the
# process's locale (Sphinx's `language` setting, Django's per request)
PICKS_LANGUAGE = re.compile(r"\btranslation[ \t]*\([^)]{0,400}?\blanguages[ \t]*=", re.S)


def picks_language(text: str) -> bool:
    """Whether Python code loads translations in a language it names
    itself (PICKS_LANGUAGE)."""
    return PICKS_LANGUAGE.search(text) is not None


def calls_iconv(text: str) -> bool:
    """Whether code calls iconv (PHP's iconv(), C's iconv_open): glibc's
    converters, picked by the character set's name."""
    return ICONV_IN_CODE.search(text) is not None


def sets_tz(text: str) -> bool:
    """Whether code sets TZ or opens a zone by name (then any zone of the
    database may be read)."""
    return TZ_IN_CODE.search(text) is not None


# Code that runs a command it is given, not one it names: a Celery task's
# `def run_tool(args): return subprocess.run(args, ...)`, Ruby's
# system(cmd) and `#{cmd}`, Perl's system($cmd), PHP's exec($cmd), Node's
# execFile(file, ...), where what is run is a parameter of a function of
# the file (not a list the code built of names: TeX's `for r in runs:
# subprocess.run(r)`). By the language of the file (JavaScript's
# regex.exec(s) and Python's exec(code) are no such call).
GIVEN_COMMAND = {
    "python": (re.compile(r"\b(?:subprocess\.(?:run|call|check_call|check_output|Popen|getoutput"
                          r"|getstatusoutput)"
                          r"|os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?))[ \t]*\("
                          r"\s*(?:shlex\.split\(\s*)?\*?([A-Za-z_]\w*)(?:\[[^]\n]*\])?\s*[,)]"),),
    "ruby": (re.compile(r"(?<![\w.:])(?:system|exec|spawn|IO\.popen|Open3\.\w+)[ \t]*\(?[ \t]*\*?"
                        r"([a-z_]\w*)[ \t]*[,)\n]"),
             re.compile(r"`#\{([a-z_]\w*)\}")),
    "perl": (re.compile(r"\b(?:system|exec)[ \t]*\(?[ \t]*[$@](\w+)"),
             re.compile(r"`\$(\w+)|\bqx[ \t]*[({\[<|/][ \t]*\$(\w+)")),
    "php": (re.compile(r"(?<![\w>:$])(?:exec|shell_exec|system|passthru|proc_open|popen)[ \t]*\("
                       r"[ \t]*\$(\w+)"),),
    "node": (re.compile(r"(?<![\w$.])(?:exec|execSync|execFile|execFileSync|spawn|spawnSync)[ \t]*\("
                        r"\s*([A-Za-z_$][\w$]*)\s*[,)]"),),
}
# The parameter lists of a language's functions (Perl's: my ($a, $b) = @_
# and my $a = shift)
PARAMETERS = {
    "python": re.compile(r"\bdef[ \t]+\w+[ \t]*\(([^)]*)\)"),
    "ruby": re.compile(r"\bdef[ \t]+[\w.?!]+[ \t]*(?:\(([^)]*)\)|([^\n;]*))"),
    "perl": re.compile(r"\bmy[ \t]*\(([^)]*)\)[ \t]*=[ \t]*@_|\bmy[ \t]+(\$\w+)[ \t]*=[ \t]*shift\b"),
    "php": re.compile(r"\bfunction\b[ \t]*&?\w*[ \t]*\(([^)]*)\)"),
    "node": re.compile(r"\bfunction\b[ \t]*\*?[ \t]*[\w$]*[ \t]*\(([^)]*)\)|\(([^()]*)\)[ \t]*=>"
                       r"|([A-Za-z_$][\w$]*)[ \t]*=>"),
}


def _parameters(text: str, language: str) -> set[str]:
    """The names of the parameters of the functions code defines."""
    names: set[str] = set()
    for m in PARAMETERS[language].finditer(text):
        for piece in "".join(g or "" for g in m.groups()).split(","):
            piece = piece.split("=")[0]
            if language in ("perl", "php"):
                names.update(re.findall(r"\$(\w+)", piece))
            else:
                names.update(re.findall(r"[A-Za-z_$][\w$]*", piece.split(":")[0])[-1:])
    return names


def runs_given_commands(text: str, language: str | None) -> bool:
    """Whether code in language runs a command a function of it is given
    (GIVEN_COMMAND)."""
    patterns = GIVEN_COMMAND.get(language or "", ())
    run = {g for p in patterns for m in p.finditer(text) for g in m.groups() if g}
    return bool(run) and bool(run & _parameters(text, language or ""))


# A path a shell script names outside a command's place, as a word of its
# own or a variable's value, with braces and globs as the shell expands
# them: the postgres entrypoint's `for wrapper in {/usr,}/lib{/*,}/
# libnss_wrapper.so`, preloaded for an account with no passwd entry
BRACES_EXPANDED = 6
SHELL_PATH = re.compile(r"""(?:(?<=[\s=:'"(])|^)(\{?/[\w.@+*?\[\]{},/-]*)""", re.M)


def shell_path_patterns(text: str) -> list[str]:
    """The absolute paths a shell script names outside its comments, each
    with its braces expanded (a{b,c} is ab and ac); a glob's * ? [ ]
    left for the caller to match."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    out: list[str] = []
    for word in SHELL_PATH.findall(code):
        # (a few braces, as paths have: each doubles the words at least)
        words = _braces(word.rstrip(",")) if word.count("{") <= BRACES_EXPANDED else [word]
        out += [w for w in words if w.startswith("/") and len(w) > 1]
    return list(dict.fromkeys(out))


def _braces(word: str) -> list[str]:
    """word with its first {a,b} expanded, and the rest in each, as the
    shell does; a brace with no comma stays as it is."""
    depth, start = 0, -1
    for i, c in enumerate(word):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                parts, level, piece = [], 0, ""
                for ch in word[start + 1:i]:
                    if ch == "," and level == 0:
                        parts.append(piece)
                        piece = ""
                        continue
                    level += (ch == "{") - (ch == "}")
                    piece += ch
                if not parts:
                    return [word]
                parts.append(piece)
                return [w for part in parts for w in _braces(word[:start] + part + word[i + 1:])]
    return [word]


# A directory of hooks a script runs from: one whose name ends in .d,
# globbed (/docker-entrypoint-initdb.d/*), listed by find
# (the nginx entrypoint's `find "/docker-entrypoint.d/" -follow ...`) or
# given to run-parts; not one it only writes into (/etc/nginx/conf.d/x)
HOOK_DIRECTORY = re.compile(r"(?<![\w.$}/-])(/(?:[\w.@+-]+/)*[\w@+-][\w.@+-]*\.d)(?![\w.@+-])(/\*)?")
FIND_DIRECTORY = re.compile(r"""\bfind[ \t]+(?:-[HLP][ \t]+)*["']?(/[\w.@+/-]+?)/?["']?(?=[\s;|)]|$)""")


def hook_directories(text: str) -> list[str]:
    """The directories named NAME.d a shell script runs scripts from
    (HOOK_DIRECTORY), outside its comments: where a deployment puts
    scripts for it to run."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    listed = set(run_parts_dirs(code)) | {d.rstrip("/") for d in FIND_DIRECTORY.findall(code)}
    return list(dict.fromkeys(d for d, glob in HOOK_DIRECTORY.findall(code) if glob or d in listed))


def code_commands(text: str, backticks: bool, calls_only: bool = False) -> list[str]:
    """The programs code in Python, Ruby, Perl, PHP, JavaScript, Java, Erlang or Lua runs (see
    RUN_CALL): each command of a command line (pipes, a wrapper's program),
    the program of a list (what `sh -c` is given, for a shell), and /bin/sh
    by that name when a command line goes to a shell (Python's shell=True
    and os.system run /bin/sh, whatever PATH says). Backtick commands when
    the language has them (not JavaScript's template strings). A
    placeholder ({name}, #{x}, ${x}) is no word; the caller keeps only the
    words found in the image's PATH. calls_only: not the lists a variable
    named like a command holds (a library's tables of keywords: Pygments'
    AppleScript lexer's `Commands = (...)`)."""
    lines: list[str] = []
    shell = False
    for m in RUN_CALL.finditer(text):
        if m.group(1) in ("call", "run", "which", "Popen", "check_output", "check_call") \
                and not m.group(2):
            continue        # run "x" without parentheses is no call to these
        items = _literals(text, m.end())
        if not items:
            continue
        if m.group(3):                      # a list: the program, its arguments
            lines.append(_list_command(items))
        elif m.group(1) == "System.cmd":    # Elixir's: the program, then its arguments' list
            first = LITERAL.match(text, m.end())
            args = LIST_START.match(text, first.end()) if first and first.group(3) else None
            lines.append(_list_command([items[0], *_literals(text, args.end())])
                         if first and args else items[0])
        else:
            lines.append(items[0])
            near = text[m.end():m.end() + 200].split(")", 1)[0]
            shell = shell or m.group(1) in SHELL_FUNCTIONS or "shell=True" in near
    for m in () if calls_only else COMMAND_LIST.finditer(text):
        items = _literals(text, m.end())
        if items:
            lines.append(_list_command(items))
    for m in PIPE_OPEN.finditer(text):
        if m.group(2) is None:              # open(F, "-|", "prog", args...)
            lines.append(_list_command(_literals(text, m.end())))
        elif m.group(3) or m.group(5):      # open(F, "prog args |"), open(F, "| prog")
            lines.append(m.group(4))
            shell = True
    if backticks:
        for m in BACKTICKS.finditer(HASH_COMMENT.sub(lambda m: m.group(1) or "", text)):
            lines.append(m.group(1) or m.group(3) or m.group(4) or "")
            shell = True
    lines += [m.group(1) for m in OPTION_PROGRAM.finditer(text)]
    lines += [m.group(2) for m in PROGRAM_VARIABLE.finditer(text)]
    lines += [fallback.group(2) for line in text.splitlines() if len(line) <= PROGRAM_LINE
              and (fallback := PROGRAM_FALLBACK.search(line))]
    for name in dict.fromkeys(m.group(1) or m.group(2) for m in RUN_VARIABLE.finditer(text)):
        assigned = re.compile(r"(?<![\w$@])" + re.escape(name) + ASSIGNED_LAST)
        lines += [value.group(2) for line in text.splitlines() if len(line) <= PROGRAM_LINE
                  and (value := assigned.search(line))]
    out: list[str] = ["/bin/sh"] if shell else []
    for line in lines:
        out += script_commands(PLACEHOLDER.sub(" _ ", line))
    return list(dict.fromkeys(w for w in out if not w.startswith("-") and w != "_"))


def _literals(text: str, at: int) -> list[str]:
    """The string literals at text[at:], one after another, separated by
    commas (a list's leading strings, or a call's first argument)."""
    items: list[str] = []
    while True:
        m = LITERAL.match(text, at)
        if m is None:
            return items
        items.append(m.group(2))
        if not m.group(3):
            return items
        at = m.end()


def _list_command(items: list[str]) -> str:
    """A program and its arguments as a command line: for a shell given
    -c, the command line it runs."""
    if items and posixpath.basename(items[0]) in SHELLS:
        for i, arg in enumerate(items[1:-1], 1):
            if arg.startswith("-") and "c" in arg:
                return f"{items[0]}; {items[i + 1]}"
    return " ".join(items)


def beam_imports(data: bytes) -> list[str]:
    """The modules a compiled Erlang module (.beam) calls, from its import
    table: the code that names them (rabbit_runtime calls msacc, of OTP's
    runtime_tools) ships compiled only. The file is an IFF of chunks: the
    atoms (AtU8, or Atom before OTP 20: a count, then each a length byte
    and its bytes), and ImpT (a count, then module, function, arity: each
    a 4-byte index, atoms from 1). A compressed module, a newer atom
    encoding (a negative count, OTP 28) or anything malformed: nothing."""
    if len(data) < 12 or data[:4] != b"FOR1" or data[8:12] != b"BEAM":
        return []
    end = min(len(data), 8 + int.from_bytes(data[4:8], "big"))
    chunks: dict[bytes, bytes] = {}
    at = 12
    while at + 8 <= end:
        size = int.from_bytes(data[at + 4:at + 8], "big")
        chunks.setdefault(data[at:at + 4], data[at + 8:at + 8 + size])
        at += 8 + (size + 3) // 4 * 4
    table = chunks.get(b"AtU8", chunks.get(b"Atom"))
    imports = chunks.get(b"ImpT")
    if table is None or imports is None or len(table) < 4 or len(imports) < 4:
        return []
    count = int.from_bytes(table[:4], "big", signed=True)
    atoms: list[str] = []
    at = 4
    for _ in range(max(count, 0)):
        if at >= len(table):
            return []
        length = table[at]
        atoms.append(table[at + 1:at + 1 + length].decode("utf-8", "replace"))
        at += 1 + length
    out: list[str] = []
    entries = int.from_bytes(imports[:4], "big")
    for i in range(min(entries, (len(imports) - 4) // 12)):
        module = int.from_bytes(imports[4 + 12 * i:8 + 12 * i], "big")
        if 1 <= module <= len(atoms):
            out.append(atoms[module - 1])
    return list(dict.fromkeys(out))
