"""What the workload used, kept whole at the level asked for.

Levels (`--granularity`), each keeping what the one before keeps:
  file     the traced files and what they need (the tightest image);
  unit     every application tree the workload touched, whole; every
           language package it imported or required, whole (Python looks
           modules up by name at run time: encodings, lazy imports; Ruby's
           and Perl's libraries by their top-level name), and those its own
           code names (imports, requires, uses, the commands of its shell
           scripts); the distro package of every program it ran (pg_dump
           beside psql, wc beside date); a data directory it listed
           (PostgreSQL's scan of the time zones); a data package the
           commands of its scripts read (date: the time zones); the time
           zones when TZ names them; the converters and locales once one
           was read (a program picks them by a name it is given);
  package  every distro package any used file belongs to, whole.
Packages lose their documentation, manual pages, translations (unless the
trace shows the language in use) and type declarations at every level.

At every level, world-writable sticky directories (/tmp, /var/tmp) are kept
with their mode. A file a unit brings without being traced never pulls in
more than FOREIGN_LIMIT bytes of packages the workload did not use: it is
left out, with why (PostgreSQL's JIT module and the 110 MB of LLVM it
needs)."""
from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO, TypeVar

from micropack import elf, locales
from micropack.codescan import (
    RUN_PARTS_NAME,
    SHELLS,
    CrontabKind,
    beam_imports,
    calls_iconv,
    code_commands,
    code_paths,
    crontab_commands,
    dotted_names,
    elixir_names,
    entry_point_groups,
    entry_points_file_groups,
    erlang_names,
    font_names,
    hook_directories,
    interpreter_heredocs,
    is_python_script,
    is_shell_script,
    js_relative_requires,
    js_requires,
    lua_requires,
    never_run,
    octave_packages,
    perl_modules,
    php_requires,
    picks_language,
    python_imports,
    r_libraries,
    ruby_gems,
    ruby_requires,
    run_parts_dirs,
    runs_given_commands,
    script_commands,
    script_language,
    script_variable_commands,
    sets_locale,
    sets_tz,
    shebang_program,
    shebang_words,
    shell_path_patterns,
    sourced_names,
    sourced_variables,
    tcl_commands,
    tcl_requires,
    variable_paths,
    xml_commands,
)
from micropack.errors import PackError
from micropack.packages import STATE_DIRS
from micropack.record import EXEC_CALLS, OPEN_CALLS, TraceRecord, is_pseudo
from micropack.resolve import DEFAULT_PATH, Closure
from micropack.rootfs import SymlinkLoop, parent_of, top_of
from micropack.units import (
    COMMAND_DIRS,
    META_LIMIT,
    PACKAGE_KINDS,
    PHP_INCLUDE_DIRS,
    SHARED_OBJECT,
    SourceUnits,
    Unit,
    gem_dependencies,
    gem_name,
    is_documentation,
    is_system_dir,
    json_object,
)

T = TypeVar("T")     # (what _read_elf's reader returns)

# What a file a unit brings (never traced) may pull in through its closure
# from packages the workload did not use.
FOREIGN_LIMIT = 16 << 20
# ... and, beyond that, the modules of a directory a program loaded a
# module from by name, not by its configuration (_modules_chosen_by_input),
# this much more in all: the next input loads one, and a program may not
# say it is missing. ImageMagick, without heic.so (24.8 MB of libheif's
# codecs), wrote JPEG data to out.heic, exit 0; Graphviz, without its gd
# plugin (41.6 MB through libgd), left a node's JPEG image out of the PNG,
# exit 0.
# PostgreSQL's llvmjit.so (LLVM and Z3, 133 MB) stays out: without it
# PostgreSQL runs its queries without JIT.
MODULE_LIMIT = 64 << 20
# Programs that run others by name for a part of their work, which no
# package relation says (gzip is Essential: tar does not depend on it):
# the program's name -> those it runs. Each the image has comes alone,
# within COMPANION_LIMIT, with the program, run or kept alone: Dovecot's
# dovecot-sysreport runs `tar -czf`; tar was kept for it, gzip was not,
# and the report failed, "gzip: not found", exit 2.
HELPERS_BY_NAME = {"tar": ("gzip", "bzip2", "xz", "zstd", "lzip", "lzop", "compress")}

# Directories where shared libraries sit and are found by name (ld.so).
LIB_DIR = re.compile(r"^(/usr)?(/local)?/lib(32|64|x32)?(/[a-z0-9_]+-linux-[a-z0-9_]+)?$")

# Translations: kept when the trace shows a language in use.
TRANSLATION = re.compile(r"^/usr/share/locale/([^/]+)/")
# Where programs keep the helpers they run by path (FHS: internal binaries)
LIBEXEC = "/usr/libexec/"
# The C library's resolver: functions that look a host name up, and the
# files of the image they read as they do (glibc's host.conf says `multi
# on`: without it the first line of /etc/hosts that names a host is its only
# address, and a minified Emacs's lookup of "localhost" lost ::1, exit 0;
# gai.conf orders the addresses found)
RESOLVER_FUNCTIONS = ("getaddrinfo", "gethostbyname", "gethostbyname2", "gethostbyname_r",
                      "gethostbyname2_r", "gethostbyaddr", "getnameinfo")
RESOLVER_FILES = ("/etc/host.conf", "/etc/gai.conf", "/etc/nsswitch.conf")
# The C library's functions that translate a message of a domain named
# (the domain a program or library binds its catalogues to)
GETTEXT_FUNCTIONS = ("dgettext", "dcgettext", "dngettext", "dcngettext", "bindtextdomain", "textdomain")

ZONEINFO = "/usr/share/zoneinfo"
# A program that read it tells local time, in the zone TZ names when it is
# set: a deployment's setting (`docker run -e TZ=Europe/Berlin`) no probe
# gives. Without that zone glibc takes "Europe/Berlin" for a POSIX TZ
# string of offset 0: ffmpeg's watermark drew "Europe +0000" for "CET
# +0100", and Python's strftime('%Z') the same, status 200.
LOCALTIME = "/etc/localtime"
# Directories a program picks a file from by a name it is given at run
# time: glibc's character set converters, kept whole once one of them was
# loaded (iconv_open loads the module a character set needs; the
# directory's cache alone is read by every program that sets a UTF-8
# locale) or the application's code converts; its
# locales, when the application's code calls setlocale (a locale read in
# the trace is the one LANG gave, as /etc/localtime's zone is the image's).
GCONV_DIR = re.compile(r"^(/usr)?/lib(32|64|x32)?(/[a-z0-9_]+-linux-[a-z0-9_]+)?/gconv$")
LOCALES = "/usr/lib/locale"
SETLOCALE = "setlocale"
LOCALE_ALIASES = ("/usr/share/locale/locale.alias", "/etc/locale.alias")
# The standard modules CPython 3.11 and later run from copies frozen into
# the interpreter (sys.stdlib_module_names those `_imp.is_frozen` says so
# of), never reading their files: a trace sees none of them loaded, so what
# they import on first use went unseen: help() imports pydoc
# (_sitebuiltins), the REPL's line editing readline (site). Older versions
# read them from the image like any module.
PYTHON_FROZEN = ("_collections_abc", "_sitebuiltins", "abc", "codecs", "genericpath", "io", "ntpath",
                 "os", "posixpath", "runpy", "site", "stat", "zipimport")
# A shared library that embeds an interpreter, by its name
# (libpython3.11.so.1.0, libperl.so.5.36, libruby-3.1.so.3.1): the
# interpreter, as _stdlib_if_small names it. FreeRADIUS's rlm_python3 and
# rlm_perl, Apache's mod_wsgi and PostgreSQL's plpython3u run a user's code
# with it (_embedded_interpreters).
EMBEDDED_INTERPRETER = re.compile(r"^lib(python[0-9]+\.[0-9]+|perl|ruby)(?:-[0-9.]+)?\.so")
# What an embedded Python reads of its standard library as it starts: the
# encodings package, whose codec for the locale its start-up imports by
# name, and the modules of its start-up and of site's (read by 3.10 and
# older; frozen into 3.11 and later, where os.py is still the landmark the
# library is found by). Not runpy (for -m): its importlib brought email,
# http and urllib, 4 MB
PYTHON_START = ("encodings", "codecs", "io", "abc", "os", "stat", "posixpath", "genericpath",
                "_collections_abc", "site", "_sitebuiltins")
# ... and the pragmas and modules an embedded Perl's scripts use in their
# first lines: a user's WeeChat script failed at `use strict;` ("Can't
# locate strict.pm") where libperl was kept for its Perl plugin
PERL_START = ("strict", "warnings", "vars", "feature", "utf8", "lib", "constant", "Exporter", "Carp", "base",
              "parent", "overload", "XSLoader", "DynaLoader")
# The terminal database a curses library reads the entry of $TERM from
# (docker run -t sets xterm): varnishstat, top and less on a tty stopped
# with "Error opening terminal: xterm." without it. A directory whole while
# it is small (ncurses-base's /lib/terminfo, 0.2 MB); of a large one
# (ncurses-term's /usr/share/terminfo) the terminals people connect from.
TERMINAL_LIBRARY = re.compile(r"/lib(tinfo|ncursesw?|tinfow)\.so[^/]*$")
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo")
TERMINFO_WHOLE = 1 << 20
COMMON_TERMINALS = ("ansi", "dumb", "linux", "rxvt", "rxvt-unicode", "rxvt-unicode-256color", "screen",
                    "screen-256color", "tmux", "tmux-256color", "vt100", "vt102", "vt220", "xterm",
                    "xterm-256color", "xterm-color", "xterm-kitty")
# A tree of state a package's installation made under its /var/lib
# directory, kept with the package while it is no larger (entries, bytes):
# beyond that it is data, kept whole when used
STATE_TREE_LIMIT = (256, 1 << 20)
# The shell's toolbox: the packages of Debian's Essential set whose
# commands a script uses without declaring them (Policy 3.8), less its
# interpreters and administration tools (perl-base, bash, dpkg,
# util-linux, login, libc-bin: bash and getent come by name, below) and
# bsdutils (its logger brings libsystemd, 3 MB). Kept for code
# that runs commands a deployment gives it (a task's subprocess.run(args),
# scripts dropped into a hook directory): 1.5 MB on a Celery image and on
# a PostgreSQL one, beside what was kept already (bash: 1.3 MB more).
TOOLBOX_PACKAGES = frozenset({"coreutils", "debianutils", "diffutils", "findutils", "grep", "gzip",
                              "hostname", "sed", "tar"})
# ... and these commands by name: awk, a Priority: required alternative;
# bash (a user's `#!/bin/bash` hook in nginx's /docker-entrypoint.d stopped
# the start, "not found", exit 127); getent and ldd (libc-bin's: ldd was
# not found even with --keep toolbox); clear, tput and reset (ncurses-bin's:
# a Jupyter terminal's `clear` was not found)
TOOLBOX_COMMANDS = ("awk", "bash", "getent", "ldd", "clear", "tput", "reset")
# (its part of the toolbox's warning)
SHELL_TOOLBOX = "the shell's everyday commands"
# ... which also comes, where a shell is kept, when it adds less than this
# share of what is kept (_toolbox_if_small)
TOOLBOX_SHARE = 0.01
# ... and, where an interpreter is kept as a command, its standard library
# beyond what the workload imported (_stdlib_if_small), without its tests,
# GUI, IDE and installers: what a user's own script imports (a pandoc
# filter, `docker exec ... python3 -m json.tool`)
STDLIB_LEFT_OUT = frozenset({"test", "tests", "idlelib", "tkinter", "_tkinter", "turtle", "turtledemo",
                             # (venv runs ensurepip, which Debian moves to python3-venv's
                             # wheels: both or neither)
                             "lib2to3", "ensurepip", "venv", "distutils", "pydoc_data", "xxlimited",
                             "xxlimited_35", "xxsubtype", "_xxtestfuzz", "_ctypes_test",
                             # (NIS, deprecated, whose libnsl brings Kerberos: 1.5 MB)
                             "nis", "_nis"})
# ... and the modules of each a user knows first, for the warning
STDLIB_KNOWN = {"python": ("json", "csv", "gzip", "zipfile", "sqlite3", "decimal", "shlex"),
                "ruby": ("set", "erb", "open3", "securerandom", "json", "csv"),
                "perl": ("POSIX", "Storable", "Data::Dumper", "File::Temp", "JSON::PP", "Digest::MD5")}
# update-alternatives' links: a role (pager, editor) and the program chosen for it
ALTERNATIVES = "/etc/alternatives"
# (unused_commands' key for the programs on PATH no package installed)
IMAGES_OWN = ""
# The commands of a package installed on purpose beside a program that ran
# come while they add no more than this, with what they need
# (_companion_commands): apache2-utils' 12 beside lighttpd, 0.9 MB; not
# mariadb-server's aria_chk, myisamchk and mariadbd-safe beside mariadbd's
# package, 52 MB, nor mariadb-backup's 31 MB, which the warning names
COMPANION_LIMIT = 4 << 20
# A program a user keeps with --include comes with its package's data under
# /usr/share while it is no larger (_included_data): locales' /usr/share/i18n
# is 15.8 MB; larger, the warning says it was left out
INCLUDED_DATA_LIMIT = 64 << 20
# Shell completions: what an interactive shell reads, no program
SHELL_COMPLETIONS = ("/usr/share/bash-completion/", "/usr/share/zsh/", "/usr/share/fish/")
# The files that say which distribution an image is, kept however small
# the image: `. /etc/os-release` in a user's script, and image scanners
# that match packages against a distribution's advisories
RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release", "/etc/debian_version", "/etc/alpine-release",
                 "/etc/redhat-release", "/etc/system-release", "/etc/lsb-release")
# The image's own files at /etc's top (no package installed them), kept
# while no larger than this: its builder's settings, keys and accounts
# (_etc_own_files); not the shadow tools' and dpkg's backups of them
ETC_OWN_LIMIT = 64 << 10
# ... and its directories there no package has a file in, whole while no
# larger (entries, bytes): a TLS drop-in's certificates, /etc/rsyslog-tls
ETC_OWN_TREE_LIMIT = (64, 256 << 10)
# The image's own files and directories at /srv's top that nothing read
# (_srv_own), each whole, cheapest first, while they add no more than this in
# all; the others are said
SRV_OWN_LIMIT = 16 << 20
# An XML catalog (OASIS): the names a document or stylesheet gives (a public
# or system identifier, a URI) mapped to files, a tree (rewrite*), or
# another catalog (delegate*, nextCatalog); and the most the trees of one
# catalog may bring (docbook-xsl's stylesheets are 14.5 MB)
XML_CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"
XML_CATALOG_ENTRY = re.compile(r"<(?:\w+:)?(rewriteURI|rewriteSystem|uri|system|public|delegatePublic|"
                               r"delegateSystem|delegateURI|nextCatalog)\b([^>]*)>")
XML_CATALOG_TARGET = re.compile(r"""\b(?:rewritePrefix|uri|catalog)\s*=\s*(["'])([^"'<>]*)\1""")
CATALOG_TREE_LIMIT = 32 << 20
ETC_BACKUP = re.compile(r"(?:-|~|\.orig|\.bak|\.dpkg-(?:old|dist|new|bak|tmp)|\.ucf-(?:old|dist|new))$")
# A word of a configuration file, which may be a command's name (a path's
# last part is one: /usr/bin/php-cgi)
CONFIG_WORD = re.compile(r"[A-Za-z][\w.+-]*")
# Policies that grant programs rights, not configurations that run them.
SECURITY_POLICIES = ("/etc/apparmor.d/", "/etc/selinux/")
# what a container runtime mounts over the image's at every start
RUNTIME_WRITTEN = frozenset({"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"})
# The standard library directories of Ruby and Perl (units.RUBY_LIB and
# PERL_LIB's that are not site's, vendor's nor /usr/local's, where CPAN
# installs)
STANDARD_LIBRARY = re.compile(r"^/usr/(?:lib|share)(?:/[a-z0-9_]+-linux-[a-z0-9_]+)?"
                              r"/(?:ruby/[0-9]+\.[0-9]+\.[0-9]+|perl-base|perl/[0-9]+\.[0-9]+(\.[0-9]+)?)$")
# Ruby's interpreter, a library (_interpreter_features)
RUBY_INTERPRETER_LIBRARY = "libruby"
# A word in quotes, which code may run as a command ('mogrify'), and how
# many files of a library are read for them (_library_commands_of)
QUOTED_WORD = re.compile(r"""['"]([A-Za-z][\w.+-]*)['"]""")
LIBRARY_FILES_READ = 400
# A program's own data directory (_program_data), kept whole with it while
# no larger (entries, bytes): cups-ipp-utils' ipptool tests are 53 and 632 KB
DATA_TREE_LIMIT = (512, 4 << 20)
# A static library is the linker's input: no program loads one at run time
# (OpenBLAS's directory, which numpy loads libblas.so.3 from, holds a 58 MB
# libopenblas.a of libopenblas-dev's)
STATIC_LIBRARY = ".a"
# A gemspec of the distribution's packaging of a gem (its code in vendor_ruby)
DEBIAN_GEMSPEC = re.compile(r"/rubygems-integration/[^/]+/specifications/([^/]+)\.gemspec$")
# update-alternatives' records of the alternatives (_alternatives_state)
ALTERNATIVES_STATE = "/var/lib/dpkg/alternatives"
# A package's configuration beside a file of it a program read, under the
# same directory of /etc (see _configuration_beside), kept while it is no
# larger (entries, bytes)
CONFIG_TREE_LIMIT = (256, 1 << 20)
# The certificate authorities, which a TLS library loaded (or OpenSSL's
# configuration read) will need on the first connection it verifies:
# OpenSSL picks CApath's files by a hash of the issuer's name.
TLS_IN_USE = re.compile(r"/(libssl|libgnutls|libnss3|libmbedtls|libwolfssl)\.so[^/]*$|/openssl\.cnf$")
CA_DIRS = ("/etc/ssl/certs", "/usr/share/ca-certificates", "/etc/pki/tls/certs", "/etc/pki/ca-trust")
# The command line tools of TLS an admin reaches for, whichever library the
# server uses (_tls_tools): OpenLDAP's is GnuTLS, its admin's openssl
TLS_TOOLS = ("openssl", "certtool", "gnutls-cli")
# The commands that signal and find processes (_process_tools), where a
# shell is kept: how an admin reloads a service (`docker exec C kill -HUP
# 1`, a unit's `ExecReload=/bin/kill -HUP $MAINPID`). Not Essential (procps),
# and their library may bring libsystemd: a part of the toolbox of their own.
PROCESS_TOOLS = ("kill", "pkill", "pgrep", "ps", "pidof")
# Python's mimetypes reads the first of these it finds on its first guess.
MIME_TYPES_FILES = ("/etc/mime.types", "/etc/httpd/mime.types", "/etc/httpd/conf/mime.types",
                    "/etc/apache/mime.types", "/etc/apache2/mime.types",
                    "/usr/local/etc/httpd/conf/mime.types", "/usr/local/lib/netscape/mime.types",
                    "/usr/local/etc/mime.types")
DEBHELPER = "/Debian/Debhelper/"
INSTALLER_GROUPS = ("console_scripts", "gui_scripts")
# TeX (kpathsea) finds every file of a tree by its name through the tree's
# ls-R: pdflatex read three of them and listed no directory, and the next
# document's amssymb.sty, its fonts' metrics and LuaLaTeX's luaotfload were
# gone (with luaotfload missing, LuaLaTeX dropped every non-ASCII letter,
# exit 0). The tree comes whole but its documentation and sources.
TEX_INDEX = "ls-R"
TEX_WHY = "TeX finds any file of the tree by its name through {} (kpathsea's index)"
TEX_NOT_LOOKED_UP = ("doc", "source")
# (the package database: dpkg's 4 MB of /var/lib/dpkg/info came with dpkg)
PACKAGE_STATE = tuple(d + "/" for d in STATE_DIRS) + STATE_DIRS
ICONV_WHY = "iconv loads the converter a character set names"
# A program that imports iconv_open converts between character sets its
# input names: git re-encodes a commit's message for i18n.logOutputEncoding
# (printed unconverted, status 200) and a Latin-1 mail for `git am` ("cannot
# convert from ISO-8859-1"). Not a shell's, which converts only to the
# locale's own character set (bash imports it for $'\u...'), nor a
# library's (libxml2, glib: nearly every image loads one).
ICONV_IMPORT = "iconv_open"
# A program that imports localtime or localtime_r can show local time, in
# the zone TZ names when it is set, a deployment's setting no probe gives:
# a git daemon probed with ls-remote read no zone, and on the minified image
# `TZ=Europe/Berlin git log --date=local` printed UTC times, exit 0. Not a
# shell's (bash imports it for its prompt's \t).
ZONE_IMPORTS = ("localtime", "localtime_r")
# A file a program names by its path, compiled in, is kept up to this size
# (see _files_programs_name): a release file, a small configuration
SMALL_FILE = 64 << 10
# The C library's functions that run a program (see _compiled_in_programs);
# system and popen run their command line through /bin/sh.
SPAWN_FUNCTIONS = ("execv", "execvp", "execvpe", "execve", "execl", "execlp", "execle", "fexecve",
                   "posix_spawn", "posix_spawnp", "system", "popen")
SHELL_FUNCTIONS = frozenset({"system", "popen"})
# Fonts are picked when text is drawn, by family, style and the text's
# language (fontconfig's match, matplotlib's font list, Java's font
# manager): a probe draws one face and the next chart another. Once a font
# or fontconfig is in use, every installed font and fontconfig's
# configuration and cache come (fonts-ipafont-gothic, chosen by fontconfig
# for Japanese text, was dropped and pdftoppm drew it in a fallback font;
# matplotlib's seaborn style lost Liberation Sans; both status 200).
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
FONT_PREFIXES = tuple(d + "/" for d in FONT_DIRS)
FONT_SETUP_DIRS = ("/etc/fonts", "/var/cache/fontconfig")
FONTCONFIG = re.compile(r"/libfontconfig\.so[^/]*$")
# The words of a path: /etc/mail.rc has mail and rc
NAME_PARTS = re.compile(r"[/._-]")
# A compiled Erlang module larger than this is read for nothing it calls
BEAM_LIMIT = 16 << 20
# An absolute name under /etc in a script's text (CERTSCONF=/etc/ca-certificates.conf)
ETC_NAME = re.compile(r"(?<![\w./-])/etc/[\w.+-]+(?:/[\w.+-]+)*")
# ... and under /usr/share (DNS_ROOT_KEY_FILE="/usr/share/dns/root.key")
SHARED_DATA_NAME = re.compile(r"(?<![\w./-])/usr/share/[\w.+-]+(?:/[\w.+-]+)+")
# The decorations of a module's file name around the name a configuration
# gives it (lib10_quota_plugin.so: quota)
MODULE_STEM = re.compile(r"^(lib)?\d+_|_(plugin|module)$")
# A module's name: a shared object's, not ld.so.cache's nor ld.so.conf's.
MODULE = re.compile(r"\.so(\.[0-9]+)*$")
PIECE = "\n"       # (keys of _pieces' needles: the directory, then this, then which)
# A Go program links its standard library in: no TLS library is loaded to
# tell that it verifies certificates (it reads the system's authorities on
# its first verified connection), and it picks zones by name itself.
GO_CA_FUNCTION = "crypto/x509.loadSystemRoots"
GO_ZONE_FUNCTION = "time.LoadLocation"
# ... and reads the system's MIME types on its first TypeByExtension (the
# shared-mime-info globs first, then the mime.types files)
GO_MIME_FUNCTION = "mime.initMime"
GO_MIME_GLOBS = ("/usr/local/share/mime/globs2", "/usr/share/mime/globs2")
# Debian's JavaScript for web pages (its libjs-* packages), served as files.
WEB_ASSETS = "/usr/share/javascript/"
# An absolute path in a configuration file: at a word's start, or after a
# quote, '=', ':' or a pipe (what it follows, group 1; a program is not
# taken after ':', as /etc/passwd names every user's shell so; an alias's
# "|/usr/local/bin/filter" is a program mail is piped to).
CONFIG_PATH = re.compile(r"""(?:^|(?<=([\s"'=:(,|])))(/[\w.@+~-][\w.@+~/-]*)""", re.M)
# A setting whose value is a command line, in configuration the workload
# read: git's `[tar "tar.xz"] command = xz -c` (git archive --format=tar.xz
# failed, "xz: not found"). And a job's or a daemon's, after a schedule of
# five cron fields if any: uwsgi's `cron = -1 -1 -1 -1 -1 find /srv/uploads
# -mtime +1 -delete` failed every run on the minified image ("find: not
# found", logged as if it ran). The value is read as a shell command line,
# through wrappers and `sh -c`: supervisord's `command=/bin/sh -c "find
# ... | xargs gzip"` for a program started later lost find and xargs.
COMMAND_SETTING = re.compile(r"""^[ \t]*(?:[\w.-]*[._-])?(?:command|cmd|program|compressor|pager|editor"""
                             r"""|cron|daemon)[ \t]*[=:][ \t]*(?:(?:[-*/\d,]+[ \t]+){5})?["']?"""
                             r"""(?!(?:yes|no|true|false|on|off)\b)([A-Za-z0-9_/][^\n]*)""", re.M | re.I)
# Where a program keeps helper programs of its own, off PATH (not a
# directory of data, /usr/share/postgresql-common, whose pg_wrapper every
# client command links to: all of postgresql-common's maintenance scripts
# came, with apt and dpkg for its extension builder, 8 MB); but a directory
# of programs a package of /usr/share names so (munin's plugins, in
# /usr/share/munin/plugins, munin-plugins-core's and -extra's)
PROGRAM_DIR = re.compile(r"^(?:(?:/usr(?:/local)?)?/(?:lib|lib64|libexec)/|/opt/|/usr/share/[^/]+/plugins$)")
# A name after a variable in configuration: Nagios's `$USER1$/check_load`,
# `${PLUGINS}/x`, `$DIR/x` (the name, when the variable names a directory
# the configuration names too)
VARIABLE_TAIL = re.compile(r"\$(?:\{\w+\}|\w+\$?)/([\w.+-]+)")
# Configuration files outside /etc, by their names' endings: an
# application's own (supervisord's [include] of /srv/app/supervisor/*.conf)
CONFIG_SUFFIXES = (".conf", ".cnf", ".cfg", ".ini", ".toml", ".yaml", ".yml")
# Schedulers: one that ran runs its jobs later, each at its hour, which a
# trace of minutes never sees (a scheduler is a program of a command
# directory: /app/bin/cron, the application's own, is not one). Their
# crontabs, by kind: a file, or a directory of them, whose files are named
# as run-parts' (cron skips a name with a '.').
SCHEDULERS = frozenset({"cron", "crond", "anacron"})
CRONTABS: tuple[tuple[str, CrontabKind], ...] = (
    ("/etc/crontab", "system"), ("/etc/cron.d/", "system"), ("/etc/anacrontab", "anacron"),
    ("/var/spool/cron/crontabs/", "user"), ("/etc/crontabs/", "user"), ("/var/spool/cron/", "user"))
# logrotate's configuration: the shell scripts its blocks hold run at each
# rotation (nginx's postrotate: invoke-rc.d nginx rotate)
LOGROTATE = "logrotate"
LOGROTATE_CONFIG = ("/etc/logrotate.conf", "/etc/logrotate.d")
LOGROTATE_SCRIPT = re.compile(r"^[ \t]*(?:prerotate|postrotate|firstaction|lastaction|preremove)[ \t]*\r?\n"
                              r"(.*?)^[ \t]*endscript\b", re.M | re.S)
# A Python distribution's metadata, in a package's files
DISTRIBUTION = re.compile(r"\.(dist|egg)-info(/|$)")
# Init scripts (a daemon package's /etc/init.d/NAME) and the commands an
# admin runs them with: Debian's, and OpenRC's (Alpine)
INIT_SCRIPTS = "/etc/init.d"
# A systemd service unit, and the programs its Exec*= lines run (after
# their prefixes: - @ + ! :)
SERVICE_UNIT = re.compile(r"^(/usr)?/lib/systemd/system/[^/]+\.service$")
SERVICE_EXEC = re.compile(r"^[ \t]*Exec[A-Za-z]*=[-@+!:]*(/[^\s;]+)", re.M)
INIT_FRONT_ENDS = ("service", "invoke-rc.d", "rc-service")
# Tools with a drop-in directory that a container has no use for: it does
# not boot, set the kernel's parameters or load its modules (systemd's
# /etc/sysctl.d files made procps' sysctl look dropped by mistake)
HOST_TOOLS = frozenset({"init", "insserv", "sysctl", "modprobe", "depmod"})
# The languages whose code runs commands in backticks too (code_commands)
BACKTICK_LANGUAGES = ("ruby", "perl", "php")
# Python under other names: mod_wsgi's scripts, Twisted's resource scripts
# and application files (a .rpy that imported sqlite3 was a 500 on the
# minified image, "No module named 'sqlite3'"), Windows' windowed scripts
PYTHON_SUFFIXES = (".py", ".wsgi", ".rpy", ".epy", ".tac", ".pyw")
# Application code read for what it loads, and whether it sets TZ.
CODE_SUFFIXES = (*PYTHON_SUFFIXES, ".js", ".mjs", ".cjs", ".rb", ".pl", ".pm", ".cgi", ".php", ".lua", ".tcl",
                 ".R", ".r", ".erl", ".hrl", ".escript", ".ex", ".exs", ".m", ".java", ".jsp", ".jspx")
# What a configuration file's name may add to its program's (sudo's sudoers)
NAME_SUFFIXES = frozenset({"s", "rs", "er", "ers", "rc"})
# A hook's template, beside where its hook goes (_hook_templates)
HOOK_TEMPLATE_SUFFIXES = (".tmpl", ".sample")
HOOK_NAMES_HELD = 2             # of its templates' names, a program that runs them holds
# ... and a script they name, by its interpreter (_hook_interpreters)
HOOK_SCRIPT = re.compile(r"([\w-]+\.(pl|py|rb))\b")
HOOK_INTERPRETERS = {"pl": "perl", "py": "python3", "rb": "ruby"}
# The packages of the commands that add and change accounts (_account_tools)
ACCOUNT_PACKAGES = ("passwd", "shadow", "shadow-utils")
# What a program that logs users in imports (_login_shells)
LOGIN_FUNCTIONS = ("pam_open_session",)
# A Tcl package directory's index
TCL_INDEX = "pkgIndex.tcl"
# OTP's applications every Erlang program runs on (_called_within)
ERLANG_CORE_APPS = frozenset({"kernel", "stdlib", "erts"})
# Configuration that names the commands a program runs (_configured_commands)
CONFIGURED_COMMAND_SUFFIXES = (".xml", ".mgk")


@dataclass
class ToolboxPart:
    """A part of the toolbox not kept: what it is, what it would add
    (bytes), the names of what is in it, and those a user knows first
    (shown first: cp and tar, json and csv)."""
    what: str
    size: int
    names: list[str]
    known: tuple[str, ...] = ()
    by: str = ""        # what runs them, said after what they are


@dataclass
class UnkeptRun:
    """A program of the image that kept code runs by name, not kept: its
    package, who runs it (a few), what keeping it would add (bytes, with
    what it needs), and whether code of a package installed on purpose runs
    it (said first: ocrmypdf's unpaper, 101 MB, before a logging library's
    `script`)."""
    package: str
    by: list[str]
    size: int = 0
    by_wanted: bool = False


@dataclass
class Refusal:
    """A unit's file left out (_keep_files), to be asked again: why it
    would be kept, the bounds it was asked under, its unit's label, and
    whether it is a program of a job's package (result.unrun_programs)."""
    why: str
    limit: bool
    most: int
    label: str
    program: bool
    pool: str = ""      # the directory of modules whose pool it may draw on (MODULE_LIMIT)


@dataclass
class Expansion:
    used: dict[str, str] = field(default_factory=dict)         # unit key -> why it is used
    left_out: dict[str, str] = field(default_factory=dict)     # path -> why (a unit's file)
    # a program of a package kept for its scheduled job, which the job does
    # not run, left out for what it needs -> why (in the report, no warning)
    unrun_programs: dict[str, str] = field(default_factory=dict)
    sticky: list[str] = field(default_factory=list)
    # a package installed on purpose none of whose commands is kept -> those commands
    unused_commands: dict[str, list[str]] = field(default_factory=dict)
    # ... and one some of whose commands are kept -> those that are not
    unkept_commands: dict[str, list[str]] = field(default_factory=dict)
    # such a command (of either) a kept configuration file names -> that file
    configured_commands: dict[str, str] = field(default_factory=dict)
    # a package of a language's libraries installed on purpose, nothing of
    # which is kept -> its entries in the language's directories
    unused_libraries: dict[str, list[str]] = field(default_factory=dict)
    # ... and of other files (plugins, data), none of which is kept -> their directories
    unused_files: dict[str, list[str]] = field(default_factory=dict)
    # ... and the image's own at /srv's top, over SRV_OWN_LIMIT -> its bytes
    # (a directory's name ends in '/')
    unused_own: dict[str, int] = field(default_factory=dict)
    # a program not kept, though a kept package's file is configuration for
    # it (/usr/sbin/logrotate: /etc/logrotate.d/squid) -> those files
    unused_drop_ins: dict[str, list[str]] = field(default_factory=dict)
    # what --keep toolbox would add where it was too large a share of the
    # image to come by itself: the shell's commands, an interpreter's
    # standard library
    toolbox_left: list[ToolboxPart] = field(default_factory=list)
    # a program installed in the image, not kept, that kept code runs by
    # name -> what is said of it
    unkept_runs: dict[str, UnkeptRun] = field(default_factory=dict)
    # a package a rule would keep within COMPANION_LIMIT and did not, over
    # it (what a program that ran recommends, the CA tool) -> why it was
    # wanted, what it would add (bytes), and an --include that keeps it
    unkept_companions: dict[str, tuple[str, int, str]] = field(default_factory=dict)


# -- expansion ----------------------------------------------------------------

CONTENT_CALLS = OPEN_CALLS | EXEC_CALLS


@dataclass
class Activity:
    """What the trace shows beyond which paths: the programs run, the
    directories listed, and which program read what. From the events
    (minify, or pack --events); without them every traced program counts
    as run and every traced directory as listed."""

    executed: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)
    read_by: dict[str, set[str]] = field(default_factory=dict)     # comm -> paths opened

    @classmethod
    def from_records(cls, records: Iterable[TraceRecord]) -> Activity:
        out = cls()
        for r in records:
            if r.result < 0 or not r.path.startswith("/"):
                continue
            if r.syscall in EXEC_CALLS:
                out.executed.add(r.path)
            if r.syscall in CONTENT_CALLS:
                out.read_by.setdefault(r.comm, set()).add(r.path)
                if r.syscall in OPEN_CALLS:
                    out.listed.add(r.path)      # directories among them are listed
        return out


class Expander:
    """Keeps what the workload used, at the given level, on top of a
    closure that already holds the traced files and what they need."""

    def __init__(self, closure: Closure, units: SourceUnits, level: str,
                 activity: Activity | None = None, of_image: bool = False,
                 mounted: Iterable[str] = ()) -> None:
        self.closure = closure
        self.units = units
        self.level = level
        self.activity = activity
        self.of_image = of_image        # (Source.of_image: /etc is an image's, not maybe the host's)
        self.mounted = sorted(mounted)  # (Source's left_out and mounted: not the image's)
        self.result = Expansion()
        self._languages: set[str] = set()
        self._queue: list[str] = []
        self._queued: set[str] = set()      # units kept whole (see _use)
        # (programs kept code runs by name: _note_run; those the code of a
        # package installed on purpose runs)
        self._run_by_wanted: set[str] = set()
        # (_modules_named_natively: (file, standard library) looked at; a
        # standard library's top-level modules -> their units)
        self._named_natively: set[tuple[str, str]] = set()
        self._stdlib_tops: dict[str, dict[str, list[str]]] = {}
        # (an interpreter, as _stdlib_if_small names it -> the file that
        # embeds it: _embedded_interpreters; and those that rule looked at)
        self._embedded: dict[tuple[str, str | None], str] = {}
        self._stdlib_done: set[tuple[str, str | None]] = set()
        self._for_jobs: set[str] = set()    # of those, packages kept only for a job (see _use)
        self._by_base_name: dict[str, dict[str, list[str]]] = {}    # (_package_files_ending)
        self._private_perl: set[str] = set()    # private Perl modules scanned (_perl_modules_beside)
        self._ships_distribution: dict[str, bool] = {}      # package -> (_undeclared_python)
        self._tools: set[str] = set()          # commands the application's scripts name
        self._named_scripts: set[str] = set()  # programs named, never run, read for their commands
        self._rotation_read: set[str] = set()  # logrotate configuration read for its scripts
        self._run_parts_done: set[str] = set()  # directories scheduled jobs run with run-parts
        self._scanned: set[str] = set()
        self._scanned_required: set[str] = set()    # read for their top-level imports only
        self._beams_read: set[str] = set()      # compiled Erlang modules read for what they call
        self._beams_called: set[str] = set()    # (_called_within's)
        self._library_names: tuple[int, set[str]] = (-1, set())   # (len(kept) when made, names)
        # TZ names a file of the time zone database: set in the image's
        # environment or by the application's code, or a zone read by its
        # name, any zone may be read (why, when so)
        self._tz_named = "TZ is set by the image's Env" if "TZ" in closure.env else ""
        self._traced: dict[str, str] = {}
        self._in_trace: set[str] = set()        # what the trace named, by any name (see run)
        self._whole_dirs: dict[str, str] = {}     # a directory picked from by name -> why
        self._module_dirs: set[str] = set()        # those of them a program loads modules from
        self._modules_loaded: list[str] = []       # the modules loaded from them
        self._suite_packages: set[str] = set()     # packages of programs a suite runs next
        self._suite_programs: dict[str, None] = {}  # their compiled programs (_package_scripts, _roles_named)
        self._logs_users_in = False                # a program that ran starts PAM sessions
        self._tls_library = ""                     # a TLS library that was loaded (see TLS_TOOLS)
        self._converters_named = ""     # why the application's code converts character sets
        self._fonts_why = ""            # why fonts are in use (see FONT_DIRS)
        self._read_in: set[str] = set()     # shell libraries read for their commands
        self._by_name: dict[str, list[str]] | None = None    # a file name -> the image's paths of it
        self._imported_tops: set[str] = set()   # top-level names the Python files read import
        self._tex_trees: set[str] = set()       # TeX trees whose ls-R was read (see TEX_INDEX)
        self._entry_groups: dict[str, list[str]] | None = None    # entry-point group -> distributions
        self._as_if_run: list[str] = []     # programs kept as if run (named, never seen running)
        self._kept_alone: list[str] = []    # programs kept alone, not as if run (_keep_programs)
        self._libraries_read: set[str] = set()      # (_what_libraries_name's, once each)
        self._binaries_read: set[str] = set()       # (_compiled_in_programs', once each)
        self._shell_callers: dict[str, str] = {}     # a program that ran -> the shell's functions it calls
        self._near: dict[str, tuple[set[str], set[str]]] = {}  # (_scripts_near')
        self._files_named_read: set[str] = set()    # (_files_programs_name's, once each)
        self._plugin_dirs: dict[str, str] = {}      # a directory of modules -> the library loading them
        self._path_entries: set[str] | None = None     # (_path_names)
        self._data_words: dict[str, frozenset[str]] = {}    # an ELF file -> the words of its data
        self._data_ends: dict[str, elf.DataEnds] = {}       # ... and the ends of its strings
        self._wanted_on_path: dict[str, str] | None = None    # (_commands_installed_on_purpose)
        self._undefined: dict[str, frozenset[str]] = {}     # an ELF file -> what it imports (_imports)
        self._config_made: set[str] = set()     # packages of programs kept alone, their installed config kept
        self._tools_kept_for: set[str] = set()      # (_tools_of_loaded_libraries', once a package)
        self._siblings_kept_for: set[str] = set()   # (the same, for the same source's tools)
        self._system: set[str] | None = None        # (_system_packages')
        self._installed_fonts: dict[str, list[str]] | None = None    # a font file's name -> its paths
        self._mime_reader = ""      # why the system's MIME types are read (a Go program), if they are
        self._data_scanned: set[str] = set()        # (_data_libraries_name's, once a library)
        self._names_scanned: set[str] = set()       # (_libraries_loaded_by_name's, once a library)
        self._all_languages: set[str] = set()       # packages whose every translation is kept
        self._path: set[str] | None = None          # (_path_dirs')
        self._dependents: dict[str, list[str]] | None = None     # a package -> those depending on it
        self._deps_followed: set[str] = set()     # packages whose data dependencies are kept
        self._owner_data: set[str] = set()        # packages whose data a Python distribution brought
        self._owners_followed: set[str] = set()   # ... and whose commands and dependencies it brought
        self._library_commands: set[str] = set()  # packages of kept libraries whose commands are kept
        # programs kept code runs that no rule keeps -> who runs them (_unkept_runs)
        self._runs_named: dict[str, list[str]] = {}
        self._companions_seen: set[str] = set()     # packages _recommended_companions looked at
        # companions over COMPANION_LIMIT: package -> who wants it, its cost,
        # an --include, and the files that would be it (_unkept_runs says
        # those still not kept at the end: pandoc's CSL styles came later,
        # by the application's code)
        self._over_bound: dict[str, tuple[str, int, str, list[str]]] = {}
        self._ran_final_set: set[str] | None = None  # _ran_finals
        self._programs: set[str] | None = None      # (_programs_run's, see _executed)
        self._alternatives: dict[str, set[str]] | None = None  # _alternative_names
        self._toolbox_why = ""                     # why the shell's toolbox is kept (_toolbox)
        self._etc_read: set[str] | None = None      # (_configuration_read's)
        self._deps_within: dict[tuple[str | None, int], set[str]] = {}   # (_commands_it_may_run's)
        self._indirect: set[str] = set()    # units kept as another's dependency (_owners_dependencies)
        # a file _keep_files left out -> how it was asked (Refusal):
        # asked again once the rest is kept (_refused_again)
        self._refused: dict[str, Refusal] = {}
        self._module_pools: dict[str, int] = {}       # a directory of modules -> what is left of MODULE_LIMIT
        self._etc_text: dict[str, str] = {}           # (_etc_texts)
        self._needed: set[str] | None = None          # (_needed_dirs)

    # -- driving --------------------------------------------------------------

    def run(self) -> Expansion:
        for d in self.units.sticky_dirs():
            self.closure.add(d, "world-writable sticky directory (programs make their temporary files in it)")
            self.result.sticky.append(d)
        if self.level == "file":
            return self.result
        for d in self.units.paths:
            # an empty directory in one of the hierarchy's own: nothing to
            # lose, and a user copies into it (`docker cp ca.crt
            # c:/usr/local/share/ca-certificates/` failed without it). Not
            # one deeper in a tree: that is the tree's (a cache's entry).
            if not self.units.children(d) and self.units.is_dir(d) and is_system_dir(parent_of(d)) \
                    and d not in self.closure.kept:
                self.closure.add(d, "an empty directory of the image, in one of the hierarchy's own")
        self._languages = {m.group(1) for p in self.closure.kept if (m := TRANSLATION.match(p))}
        generated = self._generated_languages()
        self._languages |= locales.env_languages(self.closure.env) | generated
        traced = self._traced = dict(self.closure.kept)
        # what the trace named, by any name (ld.so loads a library by its
        # soname, a link, and through /lib on merged-/usr systems)
        self._in_trace = self.closure.traced | {f for p in self.closure.traced if (f := self._final(p))}
        traced.update(self._frozen_modules(traced))
        # (what was read, not only looked up: Apache's DirectoryIndex stats
        # index.php in every directory)
        opened = self._in_trace if self.activity is None else \
            {p for read in self.activity.read_by.values() for r in read for p in (r, self._final(r)) if p}
        for path, why in traced.items():
            for key in self.units.units_of(path):
                if key.startswith("tcl:") and posixpath.basename(path) == TCL_INDEX:
                    continue    # (Tcl reads every package's index at its first `package require`)
                package = key.split(":", 1)[0] in PACKAGE_KINDS
                if not package or _php_library(path) \
                        or (path.endswith(".php") and path in opened and not is_documentation(path)):
                    # (a package whose PHP code was loaded, a library's or
                    # an application's: its autoloader loads the rest of it
                    # class by class, when first used. Debian's MediaWiki,
                    # kept file by file, failed every page but the probe's,
                    # and that one the second time, its cache read by a
                    # class the first request never loaded)
                    self._use(key, path)
                    if package and path.endswith(".php"):
                        self._php_dependencies(key)
            named = why == "traced" or why == f"symlink on the path of {path}"   # (UTC, a link)
            loaded = path in self._in_trace
            if named and path.startswith(ZONEINFO + "/") and not self._tz_named:
                # opened by its own name, not as /etc/localtime's target:
                # TZ named it, or the program picks zones by name
                self._tz_named = f"{path} was read by its name"
            if path == LOCALTIME and not self._tz_named:
                self._tz_named = f"{LOCALTIME} was read: the zone of local time is TZ's where it is set"
            if path.startswith(LOCALES + "/") and "/" in path[len(LOCALES) + 1:]:
                # a locale of its own directory is read a category at a
                # time: Python reads C.utf8's LC_CTYPE as it starts, and
                # setlocale(LC_ALL, "") under LANG=C.UTF-8 failed,
                # "unsupported locale setting", the rest of it dropped
                locale = f"{LOCALES}/{path[len(LOCALES) + 1:].split('/')[0]}"
                self._whole_dirs.setdefault(locale, f"a locale, of which {path} was read")
            directory = parent_of(path)
            if MODULE.search(posixpath.basename(path)) and self._module_dir(directory):
                self._whole_dirs.setdefault(directory, ICONV_WHY if GCONV_DIR.match(directory)
                                            else f"a program loads its modules from it by name "
                                                 f"({path} was loaded)")
                if not GCONV_DIR.match(directory):
                    self._module_dirs.add(directory)
                    if loaded:
                        self._modules_loaded.append(path)
            if not self._fonts_why and (path.startswith(FONT_PREFIXES) or FONTCONFIG.search(path)):
                self._fonts_why = f"{path} was read"
            if posixpath.basename(path) == TEX_INDEX:
                self._whole_dirs.setdefault(directory, TEX_WHY.format(path))
                self._tex_trees.add(directory)
            if loaded and TLS_IN_USE.search(path):
                if not self._tls_library and ".so" in posixpath.basename(path):
                    self._tls_library = path
                for d in CA_DIRS:
                    self._whole_dirs.setdefault(d, f"the certificate authorities a TLS client verifies "
                                                   f"with ({path} was loaded)")
        programs = self._programs_run(traced)
        self._programs = set(programs)
        for path in programs:
            self._use_package(path, f"program {path} was run", data_too=True)
        self._generated_locales(programs, generated)
        self._what_programs_name(programs)
        self._own_libraries(programs)
        self._what_libraries_name(traced)
        self._compiled_in_programs(programs + self._kept_libraries())
        self._interpreter_features()
        self._files_programs_name(programs)
        self._sibling_tools(programs)
        self._sibling_tools(self._modules_loaded, "was loaded")
        self._login_shells(programs)
        self._looked_up_programs(traced, programs)
        self._suite_directories(programs)
        self._scheduled_jobs(programs)
        self._loaded_by_name(programs)
        self._companion_commands(programs)
        self._wanted_modules(programs)
        self._split_program_packages(programs)
        self._configured_trees(traced)
        self._configuration_beside(traced)
        # (a service's directory, not what is in it: a tree of data the
        # workload used is kept whole as its own unit)
        home = ("a home directory (a client writes its history there: .mysql_history, "
                ".python_history)")
        service_file = ("an empty file made for a service's account when a package was installed "
                        "(base-files' /var/log/wtmp: sshd records logins only where it exists)")
        service_dir = ("a directory made for a service's account when its package was installed "
                       "(bind's /var/lib/bind: without it, nsupdate got SERVFAIL)")
        for paths, why in ((self.units.home_dirs(), home), (self.units.service_files(), service_file),
                           (self.units.service_dirs(), service_dir)):
            for path in paths:
                if path not in self.closure.kept:
                    self.closure.add(path, why)
        for path in RELEASE_FILES:
            if path not in self.closure.kept and self._final(path) in self.units.stats:
                self.closure.add(path, "the distribution's release, which users and image scanners read")
        self._edited_configuration()
        self._listed_data_dirs(traced)
        self._sibling_data(traced)
        self._xml_catalogs(traced)
        if self.level == "package":
            for path, why in traced.items():
                if not why.startswith("symlink on the path of"):
                    self._use_package(path, path)
        self._drain()
        self._init_script_front_ends()
        self._service_commands()
        self._package_skeletons()
        self._configuration_code()
        self._hook_templates(programs)      # (once the trees are kept)
        self._r_companions()
        self._gem_dependencies()
        self._tools_of_loaded_libraries()
        self._tool_data(traced)
        self._modules_own_files(traced)
        # a program a user kept with --include is one they mean to run:
        # logrotate, included, failed its second rotation, "cannot execute
        # compress command '/bin/gzip'" (a name compiled into it); a script
        # with what it loads and runs (shasum, included alone: "Can't
        # locate Digest/SHA.pm")
        included = [p for p in sorted(self.closure.included)
                    if (f := self._final(p)) is not None and self.units.is_program(f)]
        self._as_if_run += included
        for p in included:
            self._named_script(p)
            # and what a program kept alone comes with (openssl, included
            # on a rsyslog image: `openssl req` could not open
            # /usr/lib/ssl/openssl.cnf)
            self._program_companions(p, p, self._final(p) or p, f"{p}, kept with --include")
            if p in self.closure.rules.include:
                # (named by its path: not every program a glob such as
                # '/usr/bin/*' matched, each with up to 64 MB of data)
                self._included_data(p)
        self._rotation_scripts(programs + self._as_if_run)
        # what the programs kept as if run (named by the application's
        # code, its configuration or scripts) and the libraries kept name,
        # as for those that ran: sox, run by a route the probes never took,
        # loads its formats' modules through libsox, which names their
        # directory
        self._what_programs_name([p for p in dict.fromkeys(self._as_if_run) if p not in programs], ran=False)
        # (ffmpeg named by the worker's script, never run: its libavcodec
        # converts subtitles' character sets, "Unable to open iconv context")
        self._own_libraries(list(dict.fromkeys(self._as_if_run)), ran=False)
        self._what_libraries_name(self.closure.kept)
        self._helpers_beside()
        self._compiled_in_programs(list(dict.fromkeys(self._as_if_run)) + self._kept_libraries())
        self._roles_named(list(dict.fromkeys([*self._kept_alone, *self._suite_programs])))
        if self._tz_named:
            self._time_zones(self._tz_named)
        self._drain()
        self._chosen_tools()
        self._toolbox_if_small()
        self._embedded_interpreters()
        self._drain()
        self._stdlib_if_small()
        self._account_tools()
        self._tls_tools()
        self._process_tools()
        self._drain()
        # (what a package kept brings may be a library; a file left out
        # before may come now)
        while any([self._libraries_bring(), self._refused_again()]):
            self._drain()
        self._fonts()
        if self._converters_named:
            for p in self.units.paths:
                if GCONV_DIR.match(p) and self.units.is_dir(p):
                    self._whole_dirs.setdefault(p, f"{ICONV_WHY} ({self._converters_named})")
        # (a directory kept whole may bring a library that loads modules of
        # its own by name: MariaDB's plugin directory brought libpam, through
        # auth_pam_tool, after the last look at the kept libraries)
        applied: set[str] = set()
        while todo := sorted(d for d in self._whole_dirs if d not in applied):
            for directory in todo:
                self._whole_dir(directory, self._whole_dirs[directory])
                applied.add(directory)
            self._what_libraries_name(self.closure.kept)
        if self._tex_tree_commands():
            self._drain()
        # (again after the directories: one may have brought what a file
        # left out before needed; what that keeps is looked at as above)
        while self._refused_again() and self._libraries_bring():
            self._drain()
        if self._dependency_commands():
            self._drain()
        # (a plugin directory kept whole may have brought an interpreter's
        # library: FreeRADIUS's rlm_python3)
        if self._embedded_interpreters():
            self._drain()
            self._stdlib_if_small()
            self._drain()
        self._files_plugins_name()
        self._modules_in_kept_dirs()
        self._mime_types()
        self._terminal_database()
        self._trigger_indexes()
        self._translations()
        self._resolver_files()
        self._links_to_kept()
        self._alternatives_state()
        # (what is still left out, asked once more: the reasons said are
        # those of the image as kept, and what comes now comes with what
        # its libraries read and load, as above)
        while self._refused_again():
            self._libraries_bring()
            self._drain()
        # (last: a file a rule above keeps for a reason keeps that reason)
        if self.of_image:
            self._etc_own_files()
            self._srv_own()
        self._unused_commands()
        self._unused_drop_ins()
        self._configured_commands()
        self._unkept_runs()
        return self.result

    def _unused_commands(self) -> None:
        """The commands of the packages installed on purpose (units.wanted)
        of which none is kept: nothing ran or named them. Not kept, but
        said: a media worker's image had poppler-utils installed for
        pdftoppm, which no probe ran, and the next job's PDF failed with
        "pdftoppm: not found". Who installed a package on purpose may mean
        to run it; who did not need it in every image minified from it
        (a debugging tool) should not have to carry it."""
        said = {name for part in self.result.toolbox_left for name in part.names}
        named = self._configured_programs()
        for key in sorted(self.units.wanted):
            # (those a kept configuration file names first: Radicale's
            # config, which offers htpasswd authentication, and
            # apache2-utils' htpasswd hidden as its seventh command in
            # "+6 more"; then compiled programs, the warning's example among
            # them: gettext's gettextize, the first by name, is a script that
            # brought 17 MB of the shell's tools and no msgfmt)
            commands = sorted(self._commands_of(key) if key in self.units.units else [],
                              key=lambda c: (self._final(c) not in named,
                                             self._is_script(self._final(c) or c), c))
            for c in commands:
                if (final := self._final(c)) in named and c not in self.closure.kept:
                    self.result.configured_commands[c] = named[final or ""]
            if commands and not any(c in self.closure.kept for c in commands):
                self.result.unused_commands[key.split(":", 1)[1]] = commands
            elif commands:
                # (the rest of one a command of which is kept, each: procps was
                # installed on purpose on a Squid image, its ps kept for an
                # init script's functions, and `pkill -HUP squid` was "not
                # found", unsaid; not those the toolbox's warning names)
                rest = [c for c in commands if c not in self.closure.kept
                        and self._final(c) not in self.closure.kept and posixpath.basename(c) not in said]
                if rest:
                    self.result.unkept_commands[key.split(":", 1)[1]] = rest
            if key in self.units.units:
                # a language's library, nothing of which was imported (a
                # RabbitMQ image's python3-pika, for its client script:
                # "No module named 'pika'"), also beside its commands
                # (python3-httpx's, whose library FastAPI's TestClient
                # imports: only its command was said)
                unit = self.units.units[key]
                # (not a debhelper addon, run when packages are built:
                # perl-openssl-defaults' Debian/Debhelper, beside dh_perl_openssl)
                tops = sorted({top for m in unit.members
                               if DEBHELPER not in m and (top := self.units.language_entry(m))})
                files = [m for m in unit.members if not self.units.is_dir(m) and not is_documentation(m)
                         and m not in commands]
                # (its description, read for every installed one at start-up
                # by RubyGems or importlib.metadata, is no sign of use:
                # ruby-coderay, installed for asciidoctor's highlighting,
                # had only its gemspec kept and went unsaid)
                if any(m in self.closure.kept and not _is_description(m) for m in files):
                    continue
                if tops:
                    self.result.unused_libraries[key.split(":", 1)[1]] = tops
                elif files and not commands:
                    # (and one of plugins or data, which nothing read:
                    # LADSPA plugins, cmt's /usr/lib/ladspa, for ffmpeg's
                    # af=ladspa, and a speech model, "Failed to load 'cmt'")
                    dirs = sorted({parent_of(m) for m in files})
                    self.result.unused_files[key.split(":", 1)[1]] = [
                        d for d in dirs if not any(d.startswith(o + "/") for o in dirs)]
        # and the image's own, which no package installed: a RabbitMQ
        # image's client script in /usr/local/bin went unsaid ("executable
        # file not found")
        if self.of_image:
            # (not the system's directories: Docker's Debian images carry
            # /usr/sbin/policy-rc.d, debootstrap's start-stop-daemon.REAL)
            own = [p for d in sorted(self._path_dirs()) if not d.endswith("sbin")
                   for p in self.units.children(d)
                   if p not in self.units.package_of and p not in self.closure.kept
                   and (final := self._final(p)) is not None and final not in self.closure.kept
                   and final not in self.units.package_of and self.units.is_program(final)]
            if own:
                self.result.unused_commands[IMAGES_OWN] = own

    def _note_run(self, word: str, by: str, runner: str | None = None) -> None:
        """Program word (a name found on PATH, or a path), which kept code
        runs, noted for _unkept_runs when the image has it; runner: the
        package of that code, when known."""
        found = word if word.startswith("/") else self.closure.find_program(word)
        if found:
            self._runs_named.setdefault(found, [])
            if by not in self._runs_named[found]:
                self._runs_named[found].append(by)
            if runner in self.units.wanted:
                self._run_by_wanted.add(found)

    def _configured_programs(self) -> dict[str, str]:
        """The programs the kept configuration files (under /etc) of the
        packages installed on purpose name, by a word that is a name on
        PATH, comments too (an offer to set it up: `# Value: none |
        htpasswd`), each with the first file that names it: the program's
        file, through links (lighttpd's 15-fastcgi-php.conf names
        /usr/bin/php-cgi, /etc/alternatives' link to php-cgi8.2). (Not the
        system's tables: /etc/group names man, /etc/services rsync; nor a
        security policy's: BIND's AppArmor profile grants `w,`, which was
        said as procps' /usr/bin/w; nor a word of one letter.)"""
        names = self._path_names()
        programs: dict[str, str] = {}
        for path, text in sorted(self._etc_texts().items()):
            if not text or "\0" in text or self.units.package_of.get(path) not in self.units.wanted \
                    or path.startswith(SECURITY_POLICIES):
                continue
            for word in sorted({w for w in CONFIG_WORD.findall(text) if len(w) > 1} & names):
                found = self.closure.find_program(word)
                if found and (final := self._final(found)):
                    programs.setdefault(final, path)
        return programs

    def _configured_commands(self) -> None:
        """The programs a kept XML configuration of a package names in its
        command attributes, noted as runs (_unkept_runs says those not
        kept): ImageMagick converts PDF, PostScript and EPS by running gs
        as its delegates.xml says; without ghostscript (60 MB, not a
        dependency) a PDF converted by `convert` on a Pillow service's
        minified image failed ("no images defined"), with nothing said."""
        for path in sorted(self.closure.kept):
            st = self.units.stats.get(path)
            key = self.units.package_of.get(path)
            if key is None or not path.endswith(CONFIGURED_COMMAND_SUFFIXES) or st is None \
                    or not stat.S_ISREG(st.st_mode) or st.st_size > META_LIMIT:
                continue
            text = self.units.read_text(path)
            if text is None or "command" not in text:
                continue
            for word in xml_commands(text):
                self._note_run(word, f"{key.split(':', 1)[1]}'s {posixpath.basename(path)}", key)

    def _unkept_runs(self) -> None:
        """The programs of the image that kept code runs by name, which no
        rule kept: not kept, but said: what a kept library's code runs
        (Pillow's EPS plugin runs gs, of ghostscript, which python3-pil
        has no relation to: on a Pillow service's minified image every EPS
        thumbnail failed, "No such file or directory: 'gs'", with nothing
        said), and a program a binary names that its package recommends or
        suggests, over COMPANION_LIMIT (_compiled_in_programs; not gs from
        ImageMagick's delegates, in XML in libMagickCore, and of two
        letters, which that rule does not read: _configured_commands reads
        its delegates.xml) (the unused commands' warning
        leaves their package to this one). Not the toolbox's, where its
        warning is given. And the companions over COMPANION_LIMIT
        (_over_bound) nothing kept since."""
        toolbox_said = any(part.what == SHELL_TOOLBOX for part in self.result.toolbox_left)
        named_as: dict[str, str] = {}       # a program's file -> the name it is said by
        for program, by in sorted(self._runs_named.items()):
            final = self._final(program)
            key = self.units.package_of.get(final or "")
            if final is None or key is None or program in self.closure.kept or final in self.closure.kept:
                continue
            if final in named_as:           # (/sbin/sysctl and /usr/sbin/sysctl: one program)
                said_of = self.result.unkept_runs[named_as[final]]
                said_of.by += [b for b in by if b not in said_of.by]
                said_of.by_wanted = said_of.by_wanted or program in self._run_by_wanted
                continue
            if not self.units.is_program(final):
                continue
            if toolbox_said and (key.split(":", 1)[1] in TOOLBOX_PACKAGES
                                 or posixpath.basename(program) in TOOLBOX_COMMANDS):
                continue        # (said by the toolbox's warning)
            self.result.unkept_runs[program] = UnkeptRun(
                key.split(":", 1)[1], list(by), self._cost([program]), program in self._run_by_wanted)
            named_as[final] = program
            # (said here, with who runs it, rather than as a package installed on purpose)
            self.result.unused_commands.pop(key.split(":", 1)[1], None)
            if rest := self.result.unkept_commands.get(key.split(":", 1)[1]):
                rest[:] = [c for c in rest if c != program and self._final(c) != final]
        for key, (who, cost, example, files) in sorted(self._over_bound.items()):
            if not any(f in self.closure.kept or self._final(f) in self.closure.kept
                       or f in self.result.unkept_runs for f in files):
                self.result.unkept_companions[key.split(":", 1)[1]] = (who, cost, example)

    def _companion_commands(self, programs: list[str]) -> None:
        """The commands of a package installed on purpose that the package
        of a program that ran suggests, or that is built from the same
        source, each alone: the image's builder installed the tool its
        maintainers name for it, or another part of the same program (what
        it recommends or depends on comes with it, not on purpose).
        lighttpd suggests apache2-utils for htpasswd, which the probes
        never ran: on the minified image an admin's next user could not be
        added ("executable file not found"), and every login of it was a
        401; a ClamAV image kept clamav-milter's configuration and init
        script beside clamd, not the milter, which a second container of
        the image runs. Not a package nothing installed on purpose (a
        debugging tool is said, _unused_commands)."""
        packages = self._packages_of_programs(programs)
        # a program that runs its subcommands as NAME-X found on PATH
        # (`jupyter nbconvert` runs jupyter-nbconvert, `git lfs` git-lfs):
        # those of a package installed on purpose ("Jupyter command
        # `jupyter-nbconvert` not found")
        names = {posixpath.basename(p) + "-" for p in programs}
        for other in sorted(self.units.wanted - packages):
            if other in self.units.units:
                subcommands = self._commands_within([c for c in self._commands_of(other)
                                                     if posixpath.basename(c).startswith(tuple(names))])
                if subcommands:
                    self._keep_programs(subcommands, f"{other.split(':', 1)[1]}, installed on purpose: "
                                                     f"subcommands of a program that ran", to_run=True)
        by_source: dict[str, list[str]] = {}
        for key in sorted(self.units.wanted):
            by_source.setdefault(self.units.package_source.get(key, ""), []).append(key)
        for key in sorted(packages):
            name = key.split(":", 1)[1]
            related = [(other, "which {} suggests")
                       for other in self.units.package_suggests.get(key, [])]
            source = self.units.package_source.get(key, "")
            related += [(other, "built from the same source as {}")
                        for other in by_source.get(source, []) if other != key]
            for other, how in related:
                if other not in self.units.wanted or other not in self.units.units or other in packages:
                    continue
                commands = self._commands_within(self._commands_of(other))
                if commands:
                    self._keep_programs(commands, f"{other.split(':', 1)[1]}, installed on purpose, "
                                                  f"{how.format(name)}", to_run=True)
        self._recommended_companions(packages)

    def _recommended_companions(self, packages: set[str]) -> None:
        """What the packages of programs that ran, and those of their
        source they depend on, recommend (the distribution's companions,
        which apt installs with them): the commands of each, alone; and
        the packages of data installed on purpose that they recommend or
        suggest, whole with their data dependencies; while all a package
        that ran so brings adds no more than COMPANION_LIMIT (one budget
        for it: recommends of five packages of 3.9 MB each would be 20
        MB). What is over it is said (_over_bound). Exim's image lost
        bsd-mailx, which exim4-base recommends (`mail`: not found, not
        said: a recommended package is none installed on purpose); a
        pandoc image lost libjs-katex, which pandoc suggests and the
        image's builder installed (--katex: "katex.min.js does not
        exist"); Hugo's git, which hugo recommends (--enableGitInfo: "Git
        executable not found"), is 8.8 MB with what it needs: said."""
        owners = set(packages) | {d for k in packages for d in self._same_source_deps(k)}
        system = self.units.essential | self.units.base
        budgets = {key: COMPANION_LIMIT for key in owners}
        # (every owner's recommends before any suggests: a package one
        # suggests and another recommends is the latter's companion)
        for how, table in (("recommends", self.units.package_recommends),
                           ("suggests", self.units.package_suggests)):
            for key in sorted(owners):
                name = key.split(":", 1)[1]
                for other in table.get(key, []):
                    if other in owners or other in system or other not in self.units.units \
                            or other in self._companions_seen:
                        continue
                    why = f"{other.split(':', 1)[1]}, which {name} {how}"
                    commands = self._commands_of(other)
                    if commands and how == "recommends":
                        self._companions_seen.add(other)
                        if any(self._final(c) in self.closure.kept for c in commands):
                            continue        # (used already: what else of it is the rules')
                        commands = self._commands_within(commands, budgets[key], with_runs=True) or commands
                        # (to run: rsyslog's recommended logrotate, kept alone, failed its
                        # second rotation, "cannot execute compress command '/bin/gzip'")
                        keep = partial(self._keep_programs, commands, f"{why}: a companion of a program "
                                                                      f"that ran", to_run=True)
                        cost_of = [*commands, *self._scripts_run(commands), *self._scripts_load(commands)]
                        # (the example: its command named as it, gcc-12's gcc-12,
                        # not the first in order, c89-gcc)
                        named = [c for c in commands if posixpath.basename(c) == other.split(":", 1)[1]]
                        example = (named or commands)[0]
                        budgets[key] = self._within_bound(other, commands, cost_of, budgets[key], keep,
                                                          f"{name} {how} it", example)
                    elif not commands and other in self.units.wanted and other not in self.result.used \
                            and self._is_data_for_code(self.units.units[other]):
                        own = [m for m in self.units.units[other].members
                               if not is_documentation(m) and not self.units.is_dir(m)]
                        if not own:
                            continue    # (a metapackage: what it stands for is installed on purpose)
                        self._companions_seen.add(other)
                        deps = [d for d in self.units.package_deps.get(other, [])
                                if d in self.units.units and self._is_data_for_code(self.units.units[d])
                                and d not in self.result.used]
                        files = [*own, *(m for d in deps for m in self.units.units[d].members
                                         if not is_documentation(m) and not self.units.is_dir(m))]
                        # (the --include names its own directory, not a dependency's)
                        top = posixpath.commonpath(own) if own else ""
                        budgets[key] = self._within_bound(other, own, files, budgets[key],
                                                          partial(self._data_companion, other, why),
                                                          f"{name} {how} it", f"'{top}/*'")

    def _php_dependencies(self, key: str) -> None:
        """The PHP libraries (packages with code on include_path) package
        key, kept whole for its PHP code, depends on, in any number of
        steps, through packages of none too (php-pear): its autoloader
        loads their classes by name, which no require spells. Roundcube's
        Mail_mime, of php-mail-mime: every message sent or draft saved on
        a minified image was a 500, "Class \"Mail_mime\" not found"."""
        todo, seen = [key], {key}
        while todo:
            for dep in self.units.package_deps.get(todo.pop(), []):
                if dep in seen or dep not in self.units.units:
                    continue
                seen.add(dep)
                members = self.units.units[dep].members
                if any(_php_library(m) for m in members):
                    self._use(dep, f"a PHP library {key.split(':', 1)[1]} depends on (its classes are loaded "
                                   f"by name)")
                    todo.append(dep)
                elif not any(m.endswith(".php") for m in members) and self.units.units[dep].kind == "dpkg" \
                        and not self.units.is_program_package(self.units.units[dep]):
                    todo.append(dep)    # (through a package of no PHP code and no program: php-pear's)

    def _gem_dependencies(self) -> None:
        """The gems a used gem of the distribution's packaging declares it
        needs at run time (its gemspec in rubygems-integration; its code in
        vendor_ruby, no gems/NAME-VERSION directory for units.py's gem
        units), each with its package's files, and what those declare in
        turn: Jekyll requires jekyll-watch by a name it holds in a variable,
        and a plain `jekyll serve` (it watches by default) said "cannot load
        such file -- jekyll-watch"; `jekyll build --profile` the same of
        terminal-table. The runtime dependencies only: a gemspec's else
        branch for old rubygems declares its development ones (rake,
        rspec) with add_dependency too."""
        specs: dict[str, str] = {}
        for p in self.units.paths:
            if (m := DEBIAN_GEMSPEC.search(p)) is not None:
                specs.setdefault(gem_name(m.group(1))[0], p)
        # (a gem whose code is kept: RubyGems reads every gemspec at its
        # start, which says nothing of what was loaded)
        loaded = {self.units.package_of.get(p) for p in self.closure.kept if not DEBIAN_GEMSPEC.search(p)}
        todo = [spec for spec in specs.values() if self.units.package_of.get(spec) in loaded]
        done: set[str] = set()
        while todo:
            spec = todo.pop()
            if spec in done:
                continue
            done.add(spec)
            for name in gem_dependencies(self.units.read_text(spec) or ""):
                dep = specs.get(name)
                owner = self.units.package_of.get(dep or "")
                if dep is None or dep in done or owner is None or owner not in self.units.units:
                    continue
                todo.append(dep)
                unit = self.units.units[owner]
                why = f"gem {name}, which {spec} declares it needs"
                # (its code and data: not the headers of its extension nor a
                # shell's completions, nokogiri.h and rake's)
                files = [m for m in unit.members if not is_documentation(m)
                         and not m.startswith(("/usr/include/", *SHELL_COMPLETIONS))]
                self._keep_files(unit, files, why)
                self.result.used.setdefault(owner, why)

    def _r_companions(self) -> None:
        """The R packages the distribution's package of a used R package
        recommends, installed, each whole, cheapest first, while all an
        owner so brings adds no more than COMPANION_LIMIT; what is over it
        is said. An R package's code is a compiled database no scan reads,
        and what it loads only when asked is declared nowhere else: ggplot2
        draws SVG through svglite (ggsave("plot.svg"): "there is no
        package called 'svglite'", on a minified R image, unsaid)."""
        r_units: dict[str, list[str]] = {}       # a distribution package -> the R packages it holds
        for key, unit in self.units.units.items():
            if unit.kind == "r" and (owner := self.units.package_of.get(f"{unit.name}/DESCRIPTION")):
                r_units.setdefault(owner, []).append(key)
        for owner in sorted(k for k, rs in r_units.items() if any(r in self.result.used for r in rs)):
            budget = COMPANION_LIMIT
            name = owner.split(":", 1)[1]
            candidates = [other for other in self.units.package_recommends.get(owner, [])
                          if other in r_units and other not in self._companions_seen
                          and not any(r in self.result.used for r in r_units[other])]
            # (each with the R packages it needs, not used yet: svglite's systemfonts)
            files = {other: [m for r in r_units[other] for u in (r, *self.units.units[r].deps)
                             if u not in self.result.used and u in self.units.units
                             for m in self.units.units[u].members if not self.units.is_dir(m)]
                     for other in candidates}
            costs = {other: self._cost(files[other]) for other in candidates}
            for other in sorted(candidates, key=lambda c: (costs[c], c)):
                self._companions_seen.add(other)
                top = self.units.units[r_units[other][0]].name
                budget = self._within_bound(other, files[other], files[other], budget,
                                            partial(self._use_all, r_units[other],
                                                    f"{other.split(':', 1)[1]}, which {name} recommends: "
                                                    f"an R package it may load"),
                                            f"{name} recommends it", f"'{top}*'")

    def _use_all(self, keys: list[str], why: str) -> None:
        for key in keys:
            self._use(key, why)

    def _data_companion(self, key: str, why: str) -> None:
        """Package key, of data, whole, with the data packages it depends on,
        and the language libraries: its code is a module of a program that
        ran, loaded by name (knot-resolver-module-http's Lua, which kresd
        loads on `modules.load('http')`, requires lua-http: "No such file or
        directory", the dashboard gone)."""
        self._use(key, f"{why}, installed on purpose: data of a program that ran")
        self._data_dependencies(key, why, direct=True)
        self._libraries_depended_on(key, f"{why}, installed on purpose: data of a program that ran")

    def _commands_within(self, commands: list[str], budget: int = COMPANION_LIMIT,
                         with_runs: bool = False) -> list[str]:
        """Which of a companion package's commands to keep: all, when what
        they bring (with what the scripts load, and with_runs, what the
        shell scripts run) adds no more than budget; else its compiled
        programs alone, when those do; else none. lighttpd suggests openssl,
        whose c_rehash, a Perl script, brings 8.6 MB of Perl: the 1 MB
        openssl went with it, and `openssl req` was not found on a minified
        image (the scripts left are said with the package's other commands)."""
        def cost(chosen: list[str]) -> int:
            return self._cost([*chosen, *(self._scripts_run(chosen) if with_runs else ()),
                               *self._scripts_load(chosen)])
        if not commands or cost(commands) <= budget:
            return commands
        compiled = [c for c in commands if not self._is_script(self._final(c) or c)]
        if compiled and len(compiled) < len(commands) and cost(compiled) <= budget:
            return compiled
        return []

    def _within_bound(self, key: str, files: list[str], cost_of: list[str], budget: int,
                      keep: Callable[[], None], who: str, example: str) -> int:
        """Keeps what package key brings (keep()) when cost_of adds no more
        than budget (what is left of COMPANION_LIMIT), else notes it to be
        said with who wants it and an --include (example) unless one of
        files is kept by the end (_over_bound); what is left of the budget."""
        cost = self._cost(cost_of)
        if cost <= budget:
            keep()
            return budget - cost
        self._over_bound[key] = (who, cost, example, files)
        return budget

    def _scripts_run(self, programs: list[str]) -> list[str]:
        """The programs of the image the shell scripts among programs run:
        what keeping them brings besides their closure (see _cost)."""
        out = []
        for p in programs:
            final = self._final(p) or ""
            text = self.units.read_text(final) if final and self._is_script(final) else None
            if text is None or not is_shell_script(text[:256].encode("utf-8", "surrogateescape"), final):
                continue
            # (what _shell_script keeps of a script kept alone: every word on PATH)
            out += [found for word in script_commands(text) if (found := self.closure.find_program(word))]
        return out

    def _scripts_load(self, programs: list[str]) -> list[str]:
        """The files of the library units the Perl and Ruby scripts among
        programs load, and those load in turn, not used yet (LIBRARY_FILES_READ
        files read at most): what keeping them brings besides their closure.
        perl's commands, installed on purpose beside perl-base's perl that
        ran, were costed at their own bytes and brought 6.6 MB of modules
        (cpan loads CPAN, prove TAP::Parser) on a 28.6 MB image."""
        out: list[str] = []
        seen: set[str] = set()
        todo: list[tuple[str, str | None]] = [(final, None) for p in programs
                                              if (final := self._final(p)) and self._is_script(final)]
        reads = 0
        while todo and reads < LIBRARY_FILES_READ:
            path, language = todo.pop()
            text = self.units.read_text(path)
            reads += 1
            head = (text or "")[:256].encode("utf-8", "surrogateescape")
            language = language or script_language(head, path)
            if language not in ("perl", "ruby"):
                continue
            names = perl_modules(text or "") if language == "perl" else ruby_requires(text or "", True)
            for name in names:
                for key in self.units.script_libraries(language, name):
                    if key in seen or key in self._queued:
                        continue
                    seen.add(key)
                    files = [m for m in self.units.units[key].members if not is_documentation(m)]
                    out += files
                    todo += [(m, language) for m in files if m.endswith((".pm", ".rb"))]
        return out

    def _cost(self, paths: list[str]) -> int:
        """The bytes keeping paths would add: the regular files they lead
        to and those they need (the closure's), not kept yet."""
        seen: set[str] = set()
        total = 0
        todo: list[tuple[str, list[str], str | None]] = [(p, [], None) for p in paths]
        while todo:
            p, rpath, origin = todo.pop()
            final = self._final(p)
            if final is None or final in seen or final in self.closure.kept:
                continue
            seen.add(final)
            st = self.units.stats.get(final)
            if st is None or not stat.S_ISREG(st.st_mode):
                continue
            total += st.st_size
            todo += [(n.path, n.rpath, n.origin) for n in self.closure.needs(final, rpath, origin)
                     if not n.missing]
            if (module := self._node_module_of(final)) is not None:
                total += self._modules_cost(module, seen)
        return total

    def _modules_cost(self, module: str, seen: set[str]) -> int:
        """The bytes a node module's command brings with it (see _keep_programs):
        the module, what it depends on, and the distro packages of those,
        whole, not used yet nor in seen (which it adds to): Debian's npm is
        3.9 MB of modules and 16 MB as kept, man pages, bash and node-gyp's
        python with them."""
        total = 0
        todo = [module]
        while todo:
            key = todo.pop()
            if key in seen or key in self.result.used:
                continue
            seen.add(key)
            unit = self.units.units[key]
            total += unit.size
            todo += unit.deps
            owner = self.units.package_of.get(unit.name + "/package.json")
            if owner is not None and owner not in seen and owner not in self.result.used:
                seen.add(owner)
                total += self.units.units[owner].size
        return total

    def _node_module_of(self, path: str) -> str | None:
        """The key of the node module path is a file of, if any."""
        return next((k for k in self.units.units_of(path) if k.startswith("node:")), None)

    def _packages_of_programs(self, programs: Iterable[str]) -> set[str]:
        """The packages of programs that ran: of the file each leads to, and
        of the name it ran by, a link of another package (redis-server's
        /usr/bin/redis-server is one to redis-tools' redis-check-rdb)."""
        return {key for p in programs for q in (p, self._final(p) or "")
                if (key := self.units.package_of.get(q))}

    def _wanted_modules(self, programs: list[str]) -> None:
        """A package installed on purpose that holds shared objects and no
        command, outside a language's directories, and depends on the
        package of a program that ran: modules of that program, which it
        loads when told to (MODULE LOAD, a configuration's LoadModule, an
        extension created). redis-redisearch's module was never loaded by
        the probes, and on the minified image `MODULE LOAD
        /usr/lib/redis/modules/redisearch.so` failed, then every FT.*
        command, with no warning (it has no command to name)."""
        packages = self._packages_of_programs(programs)
        for unit in self._module_packages():
            ran = sorted(set(self.units.package_deps.get(unit.key, [])) & packages)
            if ran:
                self._keep_module_package(unit, f"{unit.name}, installed on purpose, holds modules for "
                                                f"{ran[0].split(':', 1)[1]} (it depends on it), whose "
                                                f"program ran")

    def _split_program_packages(self, programs: list[str]) -> None:
        """One program's tree split across packages of its source: a package
        installed on purpose depends on the package of a program that ran
        and on another package of their source, which depends on the
        program's package too, has no command, and puts files in a
        directory (not the system's, nor a language's) the program's
        package has files in. That package is the program's own
        library, kept as its modules are. swi-prolog-nox depends on
        swi-prolog-core (swipl) and swi-prolog-core-packages, whose 275
        Prolog files in /usr/lib/swi-prolog/library (process, uri, sgml,
        http/json, sha, ...) load its shared objects: only those were
        kept, with the library's autoload index naming the rest, and on
        the minified image 33 of 75 next uses failed ("source_sink
        library(process) does not exist"), check/0's warnings lost, exit
        0. Python's standard library is not this (libpython3.11-stdlib
        depends on libpython3.11-minimal, not the interpreter's package)."""
        packages = self._packages_of_programs(programs)
        source_of = self.units.package_source
        for wanted in sorted(self.units.wanted):
            deps = set(self.units.package_deps.get(wanted, []))
            for program_key in sorted(deps & packages):
                source = source_of.get(program_key)
                if source is None or source_of.get(wanted) != source:
                    continue
                dirs = {parent_of(m) for m in self.units.units[program_key].members
                        if not is_system_dir(parent_of(m))
                        and not self.units.in_language_dir(m)}
                for other in sorted(deps - {program_key} - self._queued):
                    unit = self.units.units.get(other)
                    if unit is None or source_of.get(other) != source or self._commands_of(other) \
                            or program_key not in self.units.package_deps.get(other, []):
                        continue
                    shared = sorted({parent_of(m) for m in unit.members} & dirs)
                    if shared:
                        self._keep_module_package(
                            unit, f"{unit.name} is {program_key.split(':', 1)[1]}'s own library, split "
                                  f"from it by source package {source} (both in {shared[0]}; "
                                  f"{wanted.split(':', 1)[1]}, installed on purpose, depends on both)")

    def _modules_in_kept_dirs(self) -> None:
        """A package installed on purpose of modules alone, one of which sits
        in a directory a program loads its modules from (kept whole): the
        rest of it comes as with _wanted_modules. GStreamer's plugins
        depend on libgstreamer, not on the tools that ran; where the
        image's registry was built already, no plugin scanner ran during
        the trace, the plugins came as files of the directory, and their
        encoders' presets (/usr/share/gstreamer-1.0/presets) did not:
        encodebin with a profile's preset failed to link. Its files under
        /usr (its configuration in /etc is _module_configuration's)."""
        for unit in self._module_packages():
            dirs = sorted({d for m in unit.members if self._is_module(m) and m in self.closure.kept
                           and (d := parent_of(m)) in self._module_dirs})
            if dirs:
                self._keep_module_package(unit, f"{unit.name}, installed on purpose, holds modules in "
                                                f"{dirs[0]}, a directory a program loads its modules from",
                                          under="/usr/")

    def _module_packages(self) -> list[Unit]:
        """The packages installed on purpose, not kept whole, of shared
        objects outside a language's directories and no command."""
        out = []
        for other in sorted(self.units.wanted - self._queued):
            unit = self.units.units.get(other)
            if unit is not None and not self._commands_of(other) \
                    and any(self._is_module(m) and not self.units.in_language_dir(m) for m in unit.members):
                out.append(unit)
        return out

    def _keep_module_package(self, unit: Unit, why: str, under: str = "/") -> None:
        """A package of modules: its files (under under), not _use's (a
        package of shared objects alone brings only what a library of it in
        use sits beside); not a -dev package's headers and static
        libraries, nor translations into languages not in use."""
        self._keep_files(unit, [m for m in unit.members if m.startswith(under) and not is_documentation(m)
                                and not m.startswith("/usr/include/")
                                and not m.endswith(STATIC_LIBRARY)
                                and not self._unused_translation(m)],
                         why)

    def _unused_drop_ins(self) -> None:
        """A tool not kept whose drop-in directory (/etc/NAME.d) holds a
        kept file of another package: that package expects it to run.
        logrotate, a Recommends of squid (not installed on purpose, so not
        in _unused_commands), was dropped with /etc/logrotate.d/squid kept:
        an admin's `logrotate -f` found nothing, and nothing had said so.
        Said, not kept: nothing of the trace ran it."""
        by_tool: dict[str, list[str]] = {}
        for path in sorted(self.closure.kept):
            parts = path.split("/")
            if len(parts) == 4 and parts[1] == "etc" and len(parts[2]) > 2 and parts[2].endswith(".d"):
                by_tool.setdefault(parts[2][:-2], []).append(path)
        for name, drop_ins in by_tool.items():
            if name in HOST_TOOLS:
                continue
            tool = self._admin_command(name)
            final = self._final(tool) if tool else None
            owner = self.units.package_of.get(final or "")
            if tool is None or final in self.closure.kept or owner is None or owner in self.units.wanted \
                    or not self.units.is_program(final or ""):
                continue
            theirs = [p for p in drop_ins if self.units.package_of.get(p) not in (None, owner)]
            if theirs:
                self.result.unused_drop_ins[tool] = theirs

    def _ran(self, programs: Iterable[str], names: frozenset[str]) -> list[str]:
        """The names among names of the programs that ran, or will, from a
        command directory (not an application's own script of that name)."""
        return sorted({posixpath.basename(p) for p in programs if posixpath.basename(p) in names
                       and (parent_of(p) in COMMAND_DIRS or parent_of(self._final(p) or "") in COMMAND_DIRS)})

    def _run_parts_entries(self, directory: str) -> list[str]:
        """The files of a directory run-parts (or cron, for /etc/cron.d)
        takes, by their names; none for a command or system directory (a
        hostile `run-parts /usr/bin` would keep every program there)."""
        final = self._directory(directory)
        if final is None or final in COMMAND_DIRS or is_system_dir(final):
            return []
        return [c for c in sorted(self.units.children(final)) if RUN_PARTS_NAME.match(posixpath.basename(c))]

    def _scheduled_jobs(self, programs: list[str]) -> None:
        """A scheduler that ran (cron, anacron) runs its crontabs' jobs
        later, at their hours (see _scheduled). A cron started beside a
        web application ran its daily logrotate on the minified image with
        no logrotate, and its backup job with no tar; no job's failure
        reaches anyone but the mail cron sends."""
        ran = self._ran(programs, SCHEDULERS)
        if not ran:
            return
        crontabs: dict[str, tuple[str, CrontabKind]] = {}     # final path -> (path, kind)
        for where, kind in CRONTABS:
            for path in self._run_parts_entries(where) if where.endswith("/") else [where]:
                final = self._final(path)
                st = self.units.stats.get(final or "")
                if final is not None and st is not None and stat.S_ISREG(st.st_mode):
                    crontabs.setdefault(final, (path, kind))    # (Alpine links one spool to another)
        for final, (path, kind) in crontabs.items():
            text = self.units.read_text(final)
            if text is None:
                continue
            if path not in self.closure.kept:
                self.closure.add(path, f"a crontab {' and '.join(ran)} reads")
            crontab = crontab_commands(text, kind)
            if not crontab.commands:
                continue
            where = f"a job of {path}, run by {' or '.join(ran)}"
            self._keep_commands([crontab.shell or "/bin/sh"], where)
            # a package's crontab comes with its package; one edited for the
            # image (an admin's line appended to /etc/crontab) is the image's
            own = self._images_own(final)
            if not own:
                self._use_package(final, where, data_too=True, for_job=True)
            for command in crontab.commands:
                self._shell_script(path, command, where, whole=own, run_later=True)
                self._run_parts(command, where)
                # and what the scripts it runs run with run-parts
                for word in script_commands(command):
                    found = word if word.startswith("/") else self.closure.find_program(word)
                    final_script = self._final(found) if found else None
                    if final_script is not None and self.units.is_program(final_script) \
                            and self._is_script(final_script):
                        self._run_parts(self.units.read_text(final_script) or "", f"{where}: {found}")

    def _run_parts(self, text: str, where: str) -> None:
        """The programs of each directory text runs with run-parts, as
        scheduled jobs (each directory once)."""
        for directory in run_parts_dirs(text):
            if directory in self._run_parts_done:
                continue
            self._run_parts_done.add(directory)
            for job in self._run_parts_entries(directory):
                if self.units.is_program(job):
                    self._scheduled(job, f"{directory}, run by run-parts in {where}")

    def _scheduled(self, path: str, where: str) -> None:
        """A program run-parts runs as a scheduled job. The image's own (the
        application's, an admin's), as the application's scripts: its
        commands with their packages. A package's: with that package,
        whose data its scripts read (dpkg's daily job sources
        dpkg-error.sh by a path built from a variable; apt-config, in
        apt's, failed on dpkg's cputable and the job slept its default 30
        minutes), and each program it runs alone, as a kept package's
        scripts (whole, they brought util-linux for a `flock` and systemd
        for a `systemd-escape`: 29 MB on a web application's image)."""
        final = self._final(path)
        if final is None:
            return
        if self._images_own(final):
            self._keep_commands([path], where)
            return
        self._use_package(final, where, data_too=True, for_job=True)
        text = self.units.read_text(final)
        shell = text is not None and is_shell_script(text[:256].encode("utf-8", "surrogateescape"), final)
        if shell:
            self._named_scripts.add(path)   # read once, below, as a job
        self._keep_programs([path], where)
        if shell and text is not None:
            self._shell_script(path, text, f"{where}: {path}", whole=False, run_later=True)
            self._run_parts(text, f"{where}: {path}")

    def _init_script_front_ends(self) -> None:
        """An init script kept (cron's, nginx's: their packages are): the
        commands an admin runs it with, each alone. `service cron status`
        said "service: not found" on a minified image whose cron ran and
        whose /etc/init.d/cron was kept."""
        scripts = sorted(p for p in self.closure.kept if parent_of(p) == INIT_SCRIPTS
                         and (f := self._final(p)) is not None and self.units.is_program(f))
        if scripts:
            self._keep_programs([p for name in INIT_FRONT_ENDS if (p := self._admin_command(name))],
                                f"what an admin runs {scripts[0]} with")

    def _service_commands(self) -> None:
        """The programs a kept service unit of a package runs (its Exec*=
        lines), each alone: what an admin or an entrypoint runs to prepare
        and reload the service. Icinga's unit runs /usr/lib/icinga2/
        prepare-dirs (which makes /run/icinga2) and safe-reload: "no such
        file" on the minified image."""
        for unit_file in sorted(p for p in self.closure.kept if SERVICE_UNIT.search(p)):
            key = self.units.package_of.get(unit_file)
            if key is None:
                continue
            source = self.units.package_source.get(key)
            text = self.units.read_text(unit_file) or ""
            # (its own source's: not systemd's or another tool's it runs through)
            programs = [w for m in SERVICE_EXEC.finditer(text)
                        if (owner := self.units.package_of.get(self._final(w := m.group(1)) or ""))
                        and self.units.package_source.get(owner) == source]
            self._keep_programs(programs, f"service unit {unit_file}")

    def _package_skeletons(self) -> None:
        """The directories under /var of a package a file of which is kept
        that hold no file, only directories, or nothing: where its program
        writes at run time (nothing to lose). Icinga's /var/spool/icinga2/
        perfdata and /var/log/icinga2/compat were gone: with those features
        enabled, "Could not open perfdata file ... Perfdata will be lost"."""
        in_use = self._packages_kept()
        for key in sorted(in_use & self.units.units.keys()):
            unit = self.units.units[key]
            for d in unit.dirs:
                if not d.startswith("/var/") or is_system_dir(d) or d in self.closure.kept \
                        or d.startswith(PACKAGE_STATE):
                    continue
                tree = self.units.subtree(d)
                if all(self.units.is_dir(p) for p in tree):
                    for p in tree:
                        if p not in self.closure.kept:
                            self.closure.add(p, f"a directory of {unit.name}, which holds no file (where it "
                                                f"writes at run time)")

    def _configuration_code(self) -> None:
        """Code a kept package ships in /etc, not executable, that a server
        loads or an admin runs by hand: what it loads, and the programs a
        shell script of it runs, each alone. FreeRADIUS's rlm_perl runs
        mods-config/perl/example.pl, whose `use Data::Dumper` failed the
        module's start once enabled; its certs/bootstrap, which the
        documentation says to run with sh, falls back without make on a
        part of its work, exit 0."""
        for path in sorted(self.closure.kept):
            st = self.units.stats.get(path)
            if not path.startswith("/etc/") or path not in self.units.package_of or st is None \
                    or not stat.S_ISREG(st.st_mode) or st.st_mode & 0o111 or st.st_size > META_LIMIT:
                continue
            suffix = posixpath.splitext(path)[1]
            if suffix not in (".sh", ".pl", ".pm", ".py", ".rb", ".lua", "") or path in self._named_scripts:
                continue
            text = self.units.read_text(path)
            if text is None or not (suffix or text.startswith("#!")):
                continue
            self._named_scripts.add(path)
            head = text[:256].encode("utf-8", "surrogateescape")
            if suffix == ".sh" or is_shell_script(head, path):
                self._shell_script(path, text, f"script {path}, configuration of a kept package", whole=False)
            else:
                self._script_libraries(path, text, script_language(head, path),
                                       suffix == ".py" or is_python_script(head))

    def _admin_commands_not_kept(self, names: Iterable[str]) -> list[str]:
        """The programs the image has under names (_admin_command), not kept."""
        return [p for name in names if (p := self._admin_command(name)) and (final := self._final(p))
                and self.units.is_program(final) and final not in self.closure.kept]

    def _admin_command(self, name: str) -> str | None:
        """The command an admin's shell finds by name, whatever the image's
        PATH (/usr/sbin is in root's, not always in the image's)."""
        return next((p for d in COMMAND_DIRS if (p := f"{d}/{name}") in self.units.stats), None)

    def _images_own(self, path: str) -> bool:
        """A file of the image's own making: no package's, or a package's
        configuration edited for the image."""
        return path not in self.units.package_of or self._edited(path)

    def _edited(self, path: str) -> bool:
        """A package's configuration file whose content is not what the
        package installed (dpkg's Conffiles checksum)."""
        digest = self.units.conffiles.get(path)
        if digest is None:
            return False
        try:
            data = self.closure.fs.read_file(path, META_LIMIT)
        except PackError:
            return False
        return data is not None and hashlib.md5(data, usedforsecurity=False).hexdigest() != digest

    def _rotation_scripts(self, programs: list[str]) -> None:
        """logrotate, run, to be run or kept (there to be run: kept as a
        companion of Icinga, it rotated nothing, exit 0, without icinga2's
        drop-in): the drop-in of every package of
        which a file is kept (nginx-common's /etc/logrotate.d/nginx: nginx
        ran, its logs were never rotated), and the scripts of its
        configuration's blocks (postrotate and the like), which it runs at
        each rotation, read as a kept package's scripts are
        (_keep_programs): nginx's postrotate runs invoke-rc.d."""
        if not self._ran(programs, frozenset({LOGROTATE})) \
                and not ((p := self._admin_command(LOGROTATE)) and self._final(p) in self.closure.kept):
            return
        conf, drop_ins = LOGROTATE_CONFIG
        directory = self._directory(drop_ins)
        for path in [conf, *sorted(self.units.children(directory or ""))]:
            final = self._final(path)
            key = self.units.package_of.get(final or "")
            st = self.units.stats.get(final or "")
            if final is None or st is None or not stat.S_ISREG(st.st_mode):
                continue
            if path not in self.closure.kept and key in self.units.units \
                    and any(m in self.closure.kept for m in self.units.units[key].members):
                self.closure.add(path, f"logrotate's configuration for {self.units.units[key].name}, "
                                       f"of which files are kept")
            if path not in self.closure.kept or final in self._rotation_read:
                continue
            self._rotation_read.add(final)
            text = self.units.read_text(final)
            where = f"a script of {path}, which logrotate runs"
            for script in LOGROTATE_SCRIPT.findall(text or ""):
                self._shell_script(path, script, where, whole=False, run_later=True)
                self._run_parts(script, where)

    def _drain(self) -> None:
        while self._queue:
            key = self._queue.pop(0)
            unit = self.units.units[key]
            why = f"unit {unit.label} is used ({self.result.used[key]})"
            if unit.kind == "tree":
                for m in unit.members:
                    if m not in self.closure.kept:
                        self.closure.add(m, why)
                self._scan_code(unit)
            elif unit.kind in PACKAGE_KINDS:
                members = self._package_members(unit)
                self._keep_files(unit, members, why)
                self._linked_dirs(members, why)
                self._installed_config(unit)
                self._maintainer_config(unit)
                # a PHP library's own requires (League/CommonMark/autoload.php
                # requires League/Config's and Psr/EventDispatcher's)
                self._scan_script([m for m in members if _php_library(m)], "php")
                self._beam_imports(members)
                if self.units.is_program_package(unit):
                    self._package_scripts(members, runs_next=key in self._suite_packages)
            else:
                members = [m for m in unit.members if not _untraced_cache(m, self.closure.kept)
                           and not (unit.kind == "node" and _node_test(unit.name, m))]
                self._keep_files(unit, members, why)
                if unit.kind == "node":
                    self._node_links(unit, members, why)
                    for link in sorted(self.units.node_via_link.get(key, ())):
                        if link not in self.closure.kept:
                            self.closure.add(link, f"the link other modules find {unit.name} through ({why})")
                elif unit.kind == "erlang":
                    self._beam_imports(members)
                elif unit.kind == "python":
                    # a Python package kept whole: each of its modules must
                    # import, and nothing declares what they need of the
                    # standard library (a distribution's Requires-Dist are
                    # followed above), so what they import at their top
                    # level comes too: the encodings package without
                    # _codecs_jp, in lib-dynload, could not decode euc_jp,
                    # nor encode to idna; Django's feeds had no xml, its
                    # mail no smtplib (0.2 MB more on Flask's image). What
                    # they import in a function or a try is a feature the
                    # workload may never use (following every import of
                    # Flask's stack brought 6.6 MB, 22%; the top level of
                    # setuptools' modules, which site imports through its
                    # .pth, 3 MB more)
                    self._scan_python(self._imported_modules(unit, members), required=True,
                                      stdlib_only=not self.units.in_python_stdlib(unit.key))
                    self._lazy_imports(unit, members)
                    self._programs_run_by_path(members, by_name=not self.units.in_python_stdlib(unit.key))
                elif unit.kind in ("ruby", "perl", "gem", "lua", "tcl"):
                    # the interpreter may look for it through a link to its
                    # directory (Perl's @INC names perl/5.36, a link to
                    # 5.36.0: Time/Piece.pm was kept and not found)
                    library_dir = self.units.library_dir.get(unit.key, "")
                    for alias in self.units.aliases.get(library_dir, []):
                        if alias not in self.closure.kept:
                            self.closure.add(alias, f"the link to {library_dir} ({why})")
                    # what its files load when they load (a gem's top-level
                    # require of the standard library's set)
                    language = "ruby" if unit.kind == "gem" else unit.kind
                    self._scan_script([m for m in members if m.endswith(CODE_SUFFIXES)], language,
                                      required=True)
                self._owners_dependencies(unit, why)
            for dep in unit.deps:
                self._use(dep, f"a dependency of {unit.label}")
                self._indirect.add(dep)

    def _owners_dependencies(self, unit: Unit, why: str) -> None:
        """What the distro package of a Python distribution depends on
        itself (not through the packages between, as for a program run:
        from matplotlib that reached libboost1.74-dev's 131 MB of headers):
        - its data packages: python3-matplotlib's charts read their
          matplotlibrc and fonts from python-matplotlib-data ("Could not
          find matplotlibrc file"), kept whole as matplotlib was for a
          route the probe never took;
        - the language's libraries in the packages it depends on: Debian
          strips a distribution's Requires-Dist (matplotlib's egg-info
          declares nothing), and its Depends say what it needs instead
          (matplotlib imports kiwisolver when it loads).
        Only for a library the workload itself uses (traced, or imported by
        the application's code), not one that is kept as another's
        dependency: Debian's Depends bring optional features too. The
        distribution is the unit that says so; where a distro package
        ships none, its import package (python3-samba, built with waf:
        samba-tool, kept beside smbd, lost talloc, which a C library of
        python3-samba imports by name, and tdb, which its modules import
        at their top: "No module named 'talloc'" on every command)."""
        if unit.kind in ("ruby", "gem", "perl", "lua", "node") and (
                unit.key not in self._indirect or any(m in self._in_trace for m in unit.members)):
            # (one the workload loaded, though another declares it too:
            # Redmine's bundler and rake, of its gems' specifications)
            self._library_package_commands(unit)
        if unit.key in self._indirect or not (unit.name.endswith((".dist-info", ".egg-info"))
                                              or self._undeclared_python(unit)):
            # (python3-fonttools, matplotlib's, depends on scipy and sympy:
            # 94 MB; a standard library's package, on the rest of it: every
            # Perl module, 11 MB)
            return
        owners = {self.units.package_of[m] for m in unit.members if m in self.units.package_of}
        for key in sorted(owners - self._owner_data):
            # its package's own data, outside the language's directories,
            # which a distribution's metadata does not list where Debian's
            # has no RECORD (python3-nbconvert's templates in
            # /usr/share/jupyter: every notebook's "Download as" was a 500,
            # "KeyError: 'template_paths'"); once a package, whatever came
            # of it before (a program of it that ran)
            self._owner_data.add(key)
            owner = self.units.units[key]
            data = [m for m in self._shared_data(owner)
                    if not self.units.in_language_dir(m) and not self.units.is_program(m)]
            if data:
                self._keep_files(owner, data, f"data of {owner.name}, whose Python distribution "
                                              f"{posixpath.basename(unit.name)} is used ({why})")
        # (once a package, whatever brought its data dependencies before:
        # python3-docutils, installed on purpose, whose rst2html a kept
        # script names, lost its other commands and the libraries it
        # depends on)
        for key in sorted(owners - self._owners_followed):
            self._owners_followed.add(key)
            if key not in self._deps_followed:
                self._deps_followed.add(key)
                self._data_dependencies(key, why, direct=True)
            # its package's commands (django-admin: Debian's distribution
            # has no list of its files, so nothing kept named it; "exec:
            # django-admin: not found", exit 126), each alone, and those of
            # the packages of programs it depends on
            self._library_commands_of(key, unit)
            self._libraries_depended_on(key, why)

    def _dependency_commands(self) -> bool:
        """The commands the package of a Python library kept as another's
        dependency (not for the workload's own use: _owners_dependencies)
        puts on PATH that are Python scripts whose interpreter and every
        module they import at their top are kept already: they add their
        own few kB. OCRmyPDF depends on python3-pdfminer, whose modules
        were kept for --redo-ocr, and `pdf2txt` was "not found" (9.8 kB).
        Not a compiled program, nor a script that would bring more. Whether
        one came."""
        kept_any = False
        seen: set[str] = set()
        for unit_key in sorted(self._indirect):
            unit = self.units.units.get(unit_key)
            if unit is None or unit.kind != "python":
                continue
            owners = {k for m in unit.members if (k := self.units.package_of.get(m))}
            for key in sorted(owners - self._library_commands - seen):
                seen.add(key)
                for command in self._commands_of(key):
                    if command not in self.closure.kept and self._imports_kept(command):
                        self._keep_programs([command], f"{key.split(':', 1)[1]}, whose library "
                                                       f"{unit.label} is kept, and all it imports")
                        kept_any = True
        return kept_any

    def _interpreter_kept(self, head: bytes) -> bool:
        """Whether the interpreter a script's first line names is kept,
        through env (#!/usr/bin/env python3) by its name on PATH."""
        interpreter: str | None = shebang_words(head)[0]
        if posixpath.basename(interpreter or "") == "env":
            interpreter = self.closure.find_program(shebang_program(head) or "")
        return bool(interpreter) and self._final(interpreter or "") in self.closure.kept

    def _imports_kept(self, script: str) -> bool:
        """Whether script is a Python script whose interpreter and every
        module it imports at its top level are kept (a name no unit of the
        image has: a built-in module, or one the original lacks too)."""
        final = self._final(script)
        text = self.units.read_text(final) if final else None
        head = (text or "")[:256].encode("utf-8", "surrogateescape")
        if text is None or not is_python_script(head) or not self._interpreter_kept(head):
            return False
        for name in python_imports(text, True):
            if name.startswith("."):
                continue
            keys = self.units.python_modules(name.split(".")[0])
            if keys and not any(k in self._queued for k in keys):
                return False
        return True

    def _libraries_depended_on(self, key: str, why: str) -> None:
        """The language libraries in the packages package key depends on,
        each whole: what its code loads, as its packagers declared it."""
        for dep in self.units.package_deps.get(key, []):
            for m in self.units.units[dep].members:
                library = self.units.language_of.get(m)
                if library is not None and library not in self._queued:
                    # (one kept already for the workload's own use stays so)
                    self._use(library, f"in {dep.split(':', 1)[1]}, which {key.split(':', 1)[1]} "
                                       f"depends on ({why})")
                    self._indirect.add(library)

    def _undeclared_python(self, unit: Unit) -> bool:
        """A Python import package, not the standard library's, whose
        distro packages ship no distribution (dist-info, egg-info)."""
        if unit.kind != "python" or self.units.in_python_stdlib(unit.key):
            return False
        owners = {self.units.package_of[m] for m in unit.members if m in self.units.package_of}
        for key in owners - self._ships_distribution.keys():
            self._ships_distribution[key] = key in self.units.units and any(
                DISTRIBUTION.search(m) for m in self.units.units[key].members)
        return bool(owners) and not any(self._ships_distribution[key] for key in owners)

    def _use(self, key: str, why: str, for_job: bool = False) -> None:
        """Unit key kept whole (queued once). A unit some of whose files a
        rule kept (a listed directory's, _whole_dir's) is in result.used
        already, and still comes whole when a rule asks for it: matplotlib
        lists mpl-data/stylelib, and its data package, which
        _owners_dependencies keeps whole, lost 145 files, the font of
        mathtext's dejavuserif among them (a fallback, status 200).
        for_job: a package kept for a scheduled job of its own that nothing
        else of the trace used, with its programs the job never runs left
        out where they need a package nothing uses (see _keep_files); used
        for anything else later, it is queued again for those programs."""
        if key not in self.units.units:
            return
        if key not in self._queued:
            self._queued.add(key)
            self.result.used[key] = why
            self._queue.append(key)
            if for_job:
                self._for_jobs.add(key)
        elif not for_job and key in self._for_jobs:
            self._for_jobs.discard(key)
            self.result.used[key] = why
            self._queue.append(key)

    def _library_package_commands(self, unit: Unit) -> None:
        """The commands the package that installed a library of Ruby, Perl,
        Lua or Node puts on PATH, each alone with what it needs (once a
        package), as a Python distribution's (_owners_dependencies): its
        commands are how its users drive it. Redmine loaded the rake and
        bundler gems; `bundle exec rake redmine:send_reminders` then said
        "bundle: not found" (rake's and ruby-bundler's /usr/bin/rake and
        bundle, a few KB each). Not for the language's standard library
        (perl-base's perl, libperl's cpan)."""
        if STANDARD_LIBRARY.search(self.units.library_dir.get(unit.key, "")):
            return
        for key in sorted({k for m in unit.members if (k := self.units.package_of.get(m))}):
            self._library_commands_of(key, unit)

    def _library_commands_of(self, key: str, unit: Unit) -> None:
        """The commands package key, which installed the library unit the
        workload uses, puts on PATH, and those of the packages of programs
        it depends on, directly or through a package of no files of its
        own (a metapackage), each alone, once a package: a library that
        depends on programs runs them. Redmine's thumbnails run convert
        through MiniMagick, which finds ImageMagick by `which mogrify`
        (ruby-mini-magick depends on imagemagick, which depends on
        imagemagick-6.q16): with convert alone, "You must have ImageMagick
        or GraphicsMagick installed", and `identify` not found."""
        if key in self._library_commands or key not in self.units.units:
            return
        self._library_commands.add(key)
        package = key.split(":", 1)[1]
        commands = self._commands_of(key)
        if commands:
            self._keep_programs(commands, f"{package}, whose library {unit.label} is kept")
        code = [(m, text) for m in unit.members[:LIBRARY_FILES_READ]
                if m.endswith(CODE_SUFFIXES) and (text := self.units.read_text(m)) is not None]
        for m, text in code:
            language = _code_language(m)
            for word in code_commands(text, language in BACKTICK_LANGUAGES):
                self._note_run(word, f"{package}'s {posixpath.basename(m)}", key)
        programs = self._program_dependencies(key) - self._library_commands
        if not programs:
            return
        # (those whose commands the library's code names in a string: not
        # the interpreter's own tools, which a Perl library depends on as
        # `perl`: cpan, enc2xs and corelist brought 27 MB of modules)
        named = {word for _, text in code for word in QUOTED_WORD.findall(text)}
        for word in sorted(named):
            found = self.closure.find_program(word)
            owner = self.units.package_of.get(self._final(found) or "") if found else None
            if owner is not None and owner in programs and owner not in self._library_commands:
                self._library_commands.add(owner)
                why = (f"{owner.split(':', 1)[1]}, a package of programs {package} depends on, whose library "
                       f"{unit.label} is kept and names {word}")
                self._keep_programs(self._commands_of(owner), why)

    def _program_dependencies(self, key: str) -> set[str]:
        """The packages of programs, not Essential, package key depends on,
        directly or through a package of no files of its own (a
        metapackage: redmine -> redmine-sqlite -> sqlite3)."""
        todo = list(self.units.package_deps.get(key, []))
        seen, programs = set(todo), set()
        while todo:
            dep = todo.pop(0)
            if dep not in self.units.units or dep in self.units.essential:
                continue
            dep_unit = self.units.units[dep]
            if not any(not is_documentation(m) and not self.units.is_dir(m) for m in dep_unit.members):
                todo += [d for d in self.units.package_deps.get(dep, []) if d not in seen]
                seen.update(todo)
            elif self.units.is_program_package(dep_unit):
                programs.add(dep)
        return programs

    def _chosen_tools(self) -> None:
        """A program kept code runs by name (_note_run), not kept, of a
        package the package of a program that ran depends on (directly or
        through a metapackage): the application's packagers chose it for
        that code to run; or of a package installed on purpose. Redmine's
        redmine-sqlite depends on sqlite3, which Rails' `dbconsole` runs
        (railties' code, whose own package does not depend on it):
        "Couldn't find database client: sqlite3". Each while it adds no
        more than COMPANION_LIMIT with what it needs."""
        chosen: dict[str, str] = {}     # a package of programs -> why it was chosen
        for program in sorted(self._packages_of_programs(sorted(self._executed()))):
            for dep in sorted(self._program_dependencies(program)):
                chosen.setdefault(dep, f"which {program.split(':', 1)[1]} depends on, whose program ran")
        # (and one an admin installed on purpose: Ansible's unzip and cron,
        # for its unarchive and cron modules, which look them up by name)
        for wanted in sorted(self.units.wanted):
            chosen.setdefault(wanted, "installed on purpose")
        for program, by in sorted(self._runs_named.items()):
            final = self._final(program)
            key = self.units.package_of.get(final or "")
            if final is None or key is None or key not in chosen or program in self.closure.kept \
                    or final in self.closure.kept or self._cost([program]) > COMPANION_LIMIT:
                continue        # (over the limit: said, _unkept_runs; not gcc through build-essential)
            self._keep_programs([program], f"{by[0]}, which runs it by name; of {key.split(':', 1)[1]}, "
                                           f"{chosen[key]}")

    def _use_package(self, path: str, why: str, data_too: bool = False, for_job: bool = False) -> None:
        """The package of path; with data_too (a program run or named), the
        data packages it depends on, through the packages between: file
        reads libmagic-mgc's magic database through libmagic1 (without it,
        "ASCII text" for a Python script, exit 0). for_job: see _use."""
        try:
            final = self.closure.fs.walk(path).final
        except SymlinkLoop:
            return
        for p in (path, final):
            key = self.units.package_of.get(p or "")
            if not key:
                continue
            self._use(key, why, for_job)
            if data_too and key not in self._deps_followed:     # (once a package: coreutils' many)
                self._deps_followed.add(key)
                self._data_dependencies(key, why)

    def _data_dependencies(self, key: str, why: str, direct: bool = False) -> None:
        """The data packages package key depends on, through the packages
        between (see _use_package); with direct, its own Depends only. And
        of its own Depends, one the workload read a file of that is data
        but for shell scripts (_data_with_shell_scripts): vim's runtime,
        vim-runtime, whose vimtutor made it a package of programs, was kept
        as read (59 kB of 36 MB: the plugins vim sources as it starts), and
        every file type, indent, syntax, help page and `vim file`'s own
        defaults.vim were gone, the first two with exit 0."""
        own = set(self.units.package_deps.get(key, []))
        seen, todo = {key}, list(own)
        while todo:
            dep = todo.pop()
            if dep in seen:
                continue
            seen.add(dep)
            unit = self.units.units[dep]
            if self._is_data_for_code(unit):
                self._use(dep, f"data that {key.split(':', 1)[1]} depends on ({why})")
            elif dep in own and any(m in self._in_trace for m in unit.members) \
                    and self._data_with_shell_scripts(unit):
                self._use(dep, f"data that {key.split(':', 1)[1]} depends on and read, with shell "
                               f"scripts ({why})")
            if not direct:
                todo += self.units.package_deps.get(dep, [])

    def _data_with_shell_scripts(self, unit: Unit) -> bool:
        """A package of data but for programs that are shell scripts
        (vim-runtime's vimtutor and macros/less.sh): no shared object, no
        language's library (as _is_data_for_code), no compiled program nor
        script of another language, which would bring its interpreter; and
        none in /etc: an init script makes it a service's configuration
        (nginx-common), which the rules of configuration keep in part."""
        programs = self.units.programs_of(unit)
        if not programs or unit.kind not in PACKAGE_KINDS or any(p.startswith("/etc/") for p in programs) \
                or any(SHARED_OBJECT.search(posixpath.basename(m)) for m in unit.members) \
                or any(self.units.in_language_dir(m) for m in unit.members):
            return False
        for program in programs:
            head = self.units.head(program)       # (None for a link to a program)
            if head is None or not is_shell_script(head, program):
                return False
        return True

    def _is_data_for_code(self, unit: Unit) -> bool:
        """A package of data only, and not a language's library, which its
        own units keep in part (perl-modules-5.36 is 17 MB of Perl with no
        program); but a web page's scripts are data, whatever else their
        package ships: libjs-bootstrap4's sit under /usr/share/nodejs, and
        /usr/share/javascript links to them, where Prometheus's pages load
        them. (debhelper's addon for building packages is no library the
        data comes with: sphinx-common's Sequence/sphinxdoc.pm had kept
        Sphinx's themes out, "no theme named 'basic'".)"""
        web = any(m.startswith(WEB_ASSETS) for m in unit.members)
        # (nor a package of C headers, a compiler's input, which no program
        # reads at run time: linux-libc-dev, 5.5 MB, through sa-compile's
        # libc6-dev, with no compiler kept)
        headers = [m.startswith("/usr/include/") for m in unit.members if not is_documentation(m)]
        if headers and all(headers):
            return False
        # (a package's private Python modules beside its data are its data's:
        # lilypond-data's python/, on sys.path of LilyPond's tools only)
        return self.units.is_data_package(unit) and (web or not any(
            self.units.in_language_dir(m) and DEBHELPER not in m and not self.units.in_private_site(m)
            for m in unit.members))

    def _node_links(self, unit: Unit, members: list[str], why: str) -> None:
        """A node module kept whole reaches files of its own through links
        (Debian's link to their browser builds: /usr/share/nodejs/moment/
        locale is /usr/share/javascript/moment/locale): the directory behind
        such a link comes whole when it is small (moment picks a locale's
        file by name: `moment().locale('fr')` printed English, exit 0); of
        a large one (moment-timezone's data, 212 MB), what the module's code
        requires through it by a relative name ('./data/packed/latest.json':
        "Cannot find module")."""
        linked = self._linked_dirs(members, why, packaged_only=False)
        if not linked:
            return
        for m in members:
            if not m.endswith((".js", ".cjs", ".mjs")):
                continue
            for spec in js_relative_requires(self.units.read_text(m) or ""):
                base = posixpath.normpath(posixpath.join(parent_of(m), spec))
                for candidate in (base, base + ".js", base + ".json", base + "/index.js"):
                    final = self._final(candidate)
                    st = self.units.stats.get(final or "")
                    if st is not None and stat.S_ISREG(st.st_mode):
                        if candidate not in self.closure.kept:
                            self.closure.add(candidate, f"required by {m}")
                        break

    def _linked_dirs(self, members: list[str], why: str, packaged_only: bool = True) -> bool:
        """A unit kept whole reaches a directory through a link of its own:
        what is behind the link comes too, when it is no more than
        FOREIGN_LIMIT: for a package, the files packages install there (no
        documentation), not the image's own (a link into /var/lib's state),
        nor a language's directory or PHP's, whose units are the language
        rules' (nodejs's /usr/share/node_modules is /usr/share/nodejs: every
        module there);
        not a system directory (/usr/share, a library directory). Debian
        moves the data of a versioned package into a -common one and links
        to it: ghostscript reads its ICC profiles through libgs10-common's
        iccprofiles, a link to libgs-common's /usr/share/color/icc/
        ghostscript, which came empty ("Unable to open the initial device":
        no PDF converted, with gs kept by --include). Whether any member was
        such a link."""
        linked = False
        for m in members:
            st = self.units.stats.get(m)
            if st is None or not stat.S_ISLNK(st.st_mode):
                continue
            final = self._directory(m)
            if final is None or is_system_dir(final) or packaged_only and (
                    self.units.in_language_dir(final) or final.startswith(_PHP_LIBRARY_PREFIXES)
                    or final in PHP_INCLUDE_DIRS):
                continue
            linked = True
            files = [p for p in self.units.subtree(final) if stat.S_ISREG(self.units.stats[p].st_mode)
                     and (not packaged_only or p in self.units.package_of and not is_documentation(p))]
            if sum(self.units.stats[p].st_size for p in files) <= FOREIGN_LIMIT:
                for p in files:
                    if p not in self.closure.kept:
                        self.closure.add(p, f"through {m} ({why})")
        return linked

    # -- what the trace shows ---------------------------------------------------

    def _programs_run(self, traced: dict[str, str]) -> list[str]:
        """Programs the workload ran, and the interpreters of scripts among them.
        A package's script an interpreter was given to run (`sh
        /usr/libexec/tomcat10/tomcat-start.sh`, as Debian's unit starts
        Tomcat) counts as run, though only the interpreter was executed:
        an executable file of a package, beginning "#!", that was opened
        (tomcat10 was kept in part, its tomcat-update-policy.sh gone)."""
        if self.activity is not None:
            run = sorted(self.activity.executed)
            run += sorted(p for p in self.activity.listed - self.activity.executed
                          if self._packaged_script(p))
        else:
            run = []
            for path in traced:
                final = self._final(path)
                if final and self.units.is_program(final):
                    run.append(path)
        out = list(run)
        for path in run:
            final = self._final(path)
            if final:
                out += self._script_runners(final)
        return out

    def _script_runners(self, final: str) -> list[str]:
        """What a script's exec runs before it: its #! interpreter, and the
        program env finds for it."""
        return [n.path for n in self.closure.needs(final)
                if n.why.startswith(("interpreter of script", "program "))]

    def _packaged_script(self, path: str) -> bool:
        """path is a script (a program beginning "#!") of a package."""
        final = self._final(path)
        return final is not None and final in self.units.package_of and self.units.is_program(final) \
            and self._is_script(final)

    def _what_programs_name(self, programs: list[str], ran: bool = True) -> None:
        """What a program that ran reads by a name compiled into it, read
        from the program itself (once each):
        - the directory of modules it names (_module_dir), where it loads
          one by a name it is given later: MariaDB's plugin directory
          (`INSTALL SONAME 'ha_archive'` on the minified image: "Can't open
          shared library", no plugin having been loaded while tracing);
        - the time zone database, when it ran (not kept as if run) and
          imports localtime or localtime_r (ZONE_IMPORTS): in practice
          wherever a program of C ran, not a shell;
        - for a Go program, what its standard library reads on first use,
          when it links the code that does: the certificate authorities
          (Prometheus scraping an HTTPS target on the minified image: "x509:
          certificate signed by unknown authority", the target down, its
          queries empty, status 200) and the time zone database."""
        holders = {parent_of(p) for p in self.units.paths if MODULE.search(posixpath.basename(p))}
        # (not glibc's converters, whose path a static program carries
        # with the C library: busybox's brought 7.2 MB; the iconv rule
        # keeps them)
        module_dirs = {d: self._as_compiled(d) for d in sorted(holders)
                       if self.units.is_dir(d) and not GCONV_DIR.match(d) and not is_system_dir(d)
                       and self._module_dir(d)}
        for path in programs:
            try:
                final = self.closure.fs.walk(path).final
                if final is None:
                    continue
                with self.closure.fs.open_file(final, hold=False) as fh:
                    info = elf.read_elf(fh)
                    if info is None:
                        continue
                    wanted: dict[str, tuple[bytes, ...]] = dict(module_dirs)
                    if posixpath.basename(final) not in SHELLS:
                        wanted[ICONV_IMPORT] = (b"\0iconv_open\0",)
                    named = elf.containing(fh, wanted)
                    converts = ICONV_IMPORT in named
                    named.discard(ICONV_IMPORT)
                    linked = elf.functions_named(fh, (GO_CA_FUNCTION, GO_ZONE_FUNCTION, GO_MIME_FUNCTION)) \
                        if info.go else set()
            except (OSError, SymlinkLoop):
                continue
            for d in sorted(named):
                self._whole_dirs.setdefault(d, f"{final} loads its modules from it by name")
                self._module_dirs.add(d)
            if converts and not self._converters_named:
                self._converters_named = f"{final} converts with iconv (it imports iconv_open)"
            if ran and not self._tz_named and posixpath.basename(final) not in SHELLS \
                    and self._imports(final, ZONE_IMPORTS):
                self._tz_named = f"{final} shows local time (it imports localtime), TZ's zone where it is set"
            if GO_CA_FUNCTION in linked:
                for d in CA_DIRS:
                    self._whole_dirs.setdefault(d, f"the certificate authorities a TLS client verifies with "
                                                   f"({final}, a Go program, reads them on its first)")
            if GO_ZONE_FUNCTION in linked and not self._tz_named:
                self._tz_named = f"{final}, a Go program, loads zones by name"
            if GO_MIME_FUNCTION in linked and not self._mime_reader:
                self._mime_reader = f"read by {final}, a Go program, on its first guess of a file's type"

    def _tex_tree_commands(self) -> bool:
        """The libraries the commands on PATH that lead into a TeX tree kept
        whole load, those that are scripts whose interpreter is kept: the
        tree comes whole, as TeX finds its files by name, and so do the
        scripts in it that are commands (makeglossaries, fmtutil, tlmgr),
        which a user runs next. On a minified TeX Live, makeglossaries
        failed "Can't locate Getopt/Std.pm" and the next pdflatex made the
        document without its glossary, exit 0; eight more commands did not
        compile (File::Find, Math::Trig, Digest::MD5, Safe). Whether there
        was such a tree (what they load is queued)."""
        trees = tuple(tree + "/" for tree in sorted(self._tex_trees))
        if not trees:
            return False
        path_dirs = self._path_dirs()
        seen: set[str] = set()
        # (the commands' links come later, with _links_to_kept)
        for command in sorted(p for p in self.units.paths if parent_of(p) in path_dirs):
            final = self._final(command)
            if final is None or not final.startswith(trees) or final in seen \
                    or final not in self.closure.kept:
                continue
            seen.add(final)
            text = self.units.read_text(final)
            if text is None or not text.startswith("#!"):
                continue
            head = text[:256].encode("utf-8", "surrogateescape")
            if self._interpreter_kept(head):
                self._script_libraries(final, text, script_language(head, final), is_python_script(head))
        return True

    def _own_libraries(self, programs: list[str], ran: bool = True) -> None:
        """What a kept shared library built from the source package of a
        program that ran (or was kept as if run) imports counts as that
        program's own code, where the program is a launcher of the
        library:
        - iconv_open: ffmpeg's libavcodec converts a subtitle's character
          set, charenc=CP1252: "Unable to open iconv context", HTTP 422,
          with no converter kept;
        - localtime and localtime_r (ZONE_IMPORTS), for a program that ran:
          /usr/bin/guile-3.0 is a launcher of libguile-3.0, which shows
          local time; without the zone database strftime printed "22:13
          America" for "17:13 EST" under TZ=America/New_York, exit 0.
        Not any library's: libxml2 and glib, in nearly every image, import
        iconv_open too, and libc localtime."""
        sources: dict[str, str] = {}    # a source package -> a program of it that ran
        for program in programs:
            key = self.units.package_of.get(self._final(program) or "")
            if key and (source := self.units.package_source.get(key)):
                sources.setdefault(source, program)
        for library in self._kept_libraries():
            if self._converters_named and (self._tz_named or not ran):
                return
            final = self._final(library)
            key = self.units.package_of.get(final or "")
            source = self.units.package_source.get(key or "")
            if final is None or source not in sources or self.units.is_program(final):
                continue
            imported = self._imports(final, (ICONV_IMPORT, *ZONE_IMPORTS))
            if ICONV_IMPORT in imported and not self._converters_named:
                self._converters_named = (f"{final} converts with iconv (it imports iconv_open; source "
                                          f"package {source} built it and {sources[source]}, which ran)")
            if ran and not self._tz_named and imported.intersection(ZONE_IMPORTS):
                self._tz_named = (f"{final} shows local time (it imports localtime; source package "
                                  f"{source} built it and {sources[source]}, which ran), TZ's zone "
                                  f"where it is set")

    def _what_libraries_name(self, libraries: Iterable[str]) -> None:
        """The directories of modules of its own package, of a package
        that depends on it (its plugins), or of one its package depends
        on, recommends or suggests (libsasl2-2's mechanisms, in
        libsasl2-modules: a Postfix relay's SASL login deferred every
        message, "no mechanism available"), a shared library that is kept
        names (compiled in), where it loads one by a name it is given
        later, even a directory of one module: libcrypto.so.3
        loads OpenSSL's legacy provider from ossl-modules/ for md4,
        whirlpool, Blowfish or `pkcs12 -legacy`, and engines from
        engines-3/; without them those failed on the minified image at
        every level (and with a configuration that loads the legacy
        provider, hashlib's md4 was quietly gone); libsox.so.3 loads every
        format module of /usr/lib/x86_64-linux-gnu/sox, which
        libsox-fmt-base and libsox-fmt-mp3 put there ("no handler for file
        extension `flac'"). Only those packages' directories are looked
        for, so only libraries that come with such a directory are read
        (each once).

        A library may build the path from pieces instead: libgdk_pixbuf
        names "/usr/lib/x86_64-linux-gnu", "gdk-pixbuf-2.0", "2.10.0" and
        "loaders.cache", the file its installation generates there listing
        the loaders in loaders/. A directory above a module directory whose
        every piece, with its library directory and the name of a file in
        it, the library names is kept whole, what was generated in it too:
        librsvg decodes an SVG's embedded GIF through those loaders, and
        without them ffmpeg drew the SVG with the picture left out, status
        200 (see _pieces)."""
        dirs_of: dict[str, dict[str, tuple[bytes, ...]]] = {}     # a package -> its module dirs
        for path in sorted(libraries):
            if path in self._libraries_read or not MODULE.search(posixpath.basename(path)) \
                    or not LIB_DIR.match(parent_of(path)):
                continue        # (a module in a directory of its own is what is looked for)
            self._libraries_read.add(path)
            key = self.units.package_of.get(path)
            if key is None:
                continue
            if key not in dirs_of:
                related = (key, *self._dependents_of(key), *self._related_packages(key))
                holders = {parent_of(m) for k in related for m in self.units.units[k].members
                           if self._is_module(m)}
                # (not a directory of the hierarchy: libc-bin, which depends
                # on libc6, has /usr/bin/ld.so, and libc.so.6's default
                # PATH names /usr/bin: the whole of it came, 16 MB)
                dirs = [d for d in sorted(holders) if not LIB_DIR.match(d) and not GCONV_DIR.match(d)
                        and not is_system_dir(d) and not self.units.in_language_dir(d)]
                dirs_of[key] = {d: self._as_compiled(d) for d in dirs}
                for d in dirs:
                    dirs_of[key].update(self._pieces(parent_of(d)))
            if not dirs_of[key]:
                continue
            named = self._strings_in(path, dirs_of[key])
            for d in sorted(n for n in named if PIECE not in n):
                self._whole_dirs.setdefault(d, f"{path} loads its modules from it by name")
                self._plugin_dirs.setdefault(d, path)
                self._module_dirs.add(d)
            for d in sorted({n.split(PIECE)[0] for n in named if PIECE in n}):
                wanted = {n for n in dirs_of[key] if n.startswith(d + PIECE)}
                if wanted <= named:
                    self._whole_dirs.setdefault(d, f"{path} loads modules from under it by a path it "
                                                   f"builds from pieces it names")

    def _pieces(self, directory: str) -> dict[str, tuple[bytes, ...]]:
        """What a library that builds directory's path from pieces names
        (see _what_libraries_name), each a key of its own, all of which must
        be found: the library directory above it, each component below
        that, and one of the files in it (a cache its installation
        generated). Nothing when directory is not below a library
        directory, or holds no file."""
        top, below = directory, list[str]()
        while top != "/" and not LIB_DIR.match(top):
            below.insert(0, posixpath.basename(top))
            top = parent_of(top)
        files = [posixpath.basename(p) for p in self.units.subtree(directory)[1:]
                 if parent_of(p) == directory and not self.units.is_dir(p)]
        if top == "/" or not below or not files:
            return {}
        out = {f"{directory}{PIECE}lib": (b"\0" + top.encode() + b"\0",),
               f"{directory}{PIECE}file": tuple(b"\0" + f.encode() + b"\0" for f in files)}
        for i, piece in enumerate(below):
            out[f"{directory}{PIECE}{i}"] = (b"\0" + piece.encode() + b"\0",)
        return out

    def _compiled_in_programs(self, binaries: Iterable[str]) -> None:
        """The programs a program that ran, or a shared library that is
        kept, runs by a name compiled into it, when it imports a function
        that runs one (SPAWN_FUNCTIONS), each read once:
        - a program of the image named by its absolute path among the
          strings of its data (diff runs /usr/bin/pr for -l, tar
          /usr/sbin/rmt, libapt-pkg /usr/bin/dpkg);
        - a script a package that depends on its own (in one step or two)
          puts on PATH, named by its bare name: libkpathsea runs
          texlive-base's mktexpk, mktextfm and mktexmf when a font has no
          bitmap or metrics yet: a T1 document failed on a minified TeX
          Live image ("mkdir: not found", "Font ecrm1000 at 600 not
          found", no PDF);
        - a program of a package its own recommends or suggests
          (_optional_packages), named bare, while all it so names add no
          more than COMPANION_LIMIT with what they need: git's pager;
        - a program of a package installed on purpose (units.wanted), named
          bare, as a string of its own or the end of a longer one
          (_wanted_names), by a binary of a package installed on purpose,
          within the same bound: an admin installed bzip2 and xz-utils for
          cgit's snapshots, whose "bzip2" and "xz" the linker merged into
          "application/x-bzip2" and "application/x-xz", and the .tar.bz2 and
          .tar.xz downloads came back empty, status 200;
        - the programs HELPERS_BY_NAME says it runs (tar's compressors),
          within the same bound;
        - /bin/sh, for system() and popen().
        No other program by its bare name: a binary's strings hold SQL
        keywords, syscall names and messages ("join", "truncate", "yes")
        that are programs too, and a wrapper script of another package
        (postgres names "createdb", a Perl script) brought its interpreter.
        Each is kept alone with what it needs (_keep_programs)."""
        for path in binaries:
            final = self._final(path)
            st = self.units.stats.get(final or "")
            if final is None or final in self._binaries_read or st is None or not stat.S_ISREG(st.st_mode):
                continue
            self._binaries_read.add(final)
            runs = self._imports(final, SPAWN_FUNCTIONS)
            if not runs:
                continue
            words = self._data_words_of(final)
            own = self.units.package_of.get(final)
            near, on_path = self._scripts_near(own)
            optional = self._optional_packages(own)
            if runs & SHELL_FUNCTIONS:
                calls = " or ".join(f"{f}()" for f in sorted(runs & SHELL_FUNCTIONS))
                self._keep_programs(["/bin/sh"], f"{final} (it calls {calls}, which run commands with it)")
                # (the program the image is for: of a package installed on
                # purpose, not python3.11 or mawk)
                if final in self._ran_finals() and own in self.units.wanted:
                    self._shell_callers[final] = calls
            found: list[str] = []
            # (a program, why it comes, whether it is said as run when over the bound)
            companions: list[tuple[str, str, bool]] = []
            for word in sorted(words):
                if word.startswith("/"):
                    target = self._final(word)
                    if target and self.units.is_program(target):
                        found.append(word)
                elif word != posixpath.basename(final) and (
                        word in on_path or (optional and len(word) > 2 and word in self._path_names())) \
                        and (program := self.closure.find_program(word)):
                    # (not a word of one or two letters: a binary's fopen
                    # modes, "w", are procps' w)
                    target = self._final(program)
                    key = self.units.package_of.get(target or "")
                    if target and key in near and self._is_script(target):
                        found.append(program)
                    elif target and key in optional and self.units.is_program(target):
                        companions.append((program, f"a name compiled into it, of {key.split(':', 1)[1]}, "
                                                    f"which its package recommends or suggests", True))
            # (by a program itself installed on purpose: an application's
            # tool an admin installed for it; not a dependency's, nor the
            # image's own, which may be an interpreter: perl's "scalar" is
            # git's scalar, and a python3 of /usr/local names "file" and "top")
            wanted = self._commands_installed_on_purpose() if own in self.units.wanted else {}
            # (said, when over the bound, as the package's commands not
            # kept, not as runs: a name is no proof of one)
            for word in sorted(self._wanted_names(final, wanted)) if wanted else ():
                key = self.units.package_of.get(self._final(wanted[word]) or "")
                if key and key != own:
                    companions.append((wanted[word], f"a name compiled into it, of {key.split(':', 1)[1]}, "
                                                     f"installed on purpose", False))
            companions += [(helper, "which it runs for a part of its work", True)
                           for helper in self._helpers_of(final)]
            companions += [(joined, f"named by {directory} and {name} in its data, which it joins", True)
                           for joined, directory, name in self._joined_names(words, own)]
            if found:
                self._keep_programs(found, f"{final} (a name compiled into it)")
            # (for all a binary names: cmake names gcc and make)
            self._keep_within_bound(companions, final)

    def _joined_names(self, words: frozenset[str], own: str | None) -> list[tuple[str, str, str]]:
        """The programs a binary names by a directory and a '/name' among
        its data's strings, which it joins at run time, of a package its
        own depends on, recommends or suggests: (program, directory,
        '/name'). gpg-agent runs GnuPG's bindir "/usr/bin" joined with
        "/pinentry": on a signing service's image pinentry was gone, and a
        key with a passphrase failed, "No pinentry", unsaid."""
        if own is None:
            return []
        related = self._related_packages(own)
        directories = [w for w in words if w.startswith("/") and self.units.is_dir(w)]
        names = [w for w in words if w.startswith("/") and w.count("/") == 1 and len(w) > 3]
        out = []
        for directory in sorted(directories):
            for name in sorted(names):
                joined = directory + name
                target = self._final(joined)
                if target is not None and target not in self.closure.kept and self.units.is_program(target) \
                        and self.units.package_of.get(target) in related:
                    out.append((joined, directory, name))
        return out

    def _wanted_names(self, final: str, wanted: dict[str, str]) -> set[str]:
        """The names of wanted (the commands of packages installed on
        purpose) the ELF file final has as strings of their own, or as the
        ends of longer strings (elf.DataEnds): of three letters or
        more, or two as a string of its own or a MIME type's x- name
        ("application/x-xz"): "w" is fopen's mode, "ip" a getopt table's.
        Not a message's first word: squid's "top group for ..." is no run
        of top. Not final's own name."""
        strings = self._data_ends_of(final)
        return {n for n in (strings.whole | strings.ends) & wanted.keys()
                if len(n) > 2 or (len(n) == 2 and (n in strings.whole or n in strings.x_names))} \
            - {posixpath.basename(final)}

    def _helpers_beside(self) -> None:
        """The programs of a directory under /usr/libexec the workload
        opened a file in: a program's own helpers, which it runs by their
        path in it (Emacs's exec-directory, where it reads emacs.pdmp as it
        starts, holds hexl: hexl-mode failed on a minified image, "Searching
        for program: No such file or directory"), each alone, while all add
        no more than COMPANION_LIMIT (see _keep_within_bound)."""
        first_read: dict[str, str] = {}     # a directory -> the first file read in it
        for p in sorted(self._in_trace):
            if p.startswith(LIBEXEC):
                first_read.setdefault(parent_of(p), p)
        for directory, read in sorted(first_read.items()):
            helpers = [(p, f"beside {read}, which was read", False) for p in self.units.children(directory)
                       if p not in self.closure.kept and self.units.is_program(p)]
            if helpers:
                self._keep_within_bound(helpers, f"a helper of the program of {directory}")

    def _keep_within_bound(self, candidates: list[tuple[str, str, bool]], by: str) -> None:
        """Programs that come with program by (each: the program, why, and
        whether it is noted as run by it where it does not fit), cheapest
        first, each alone, while all add no more than COMPANION_LIMIT."""
        first: dict[str, tuple[str, bool]] = {}
        for program, why, noted in candidates:
            first.setdefault(program, (why, noted))
        costs = {program: self._cost([program]) for program in first}
        budget = COMPANION_LIMIT
        for program, (why, noted) in sorted(first.items(), key=lambda c: (costs[c[0]], c[0])):
            if costs[program] <= budget:
                budget -= costs[program]
                self._keep_programs([program], f"{by} ({why})")
            elif noted:
                self._note_run(program, posixpath.basename(by))

    def _commands_installed_on_purpose(self) -> dict[str, str]:
        """The names on PATH of the programs of the packages installed on
        purpose (units.wanted) -> the program the name finds."""
        if self._wanted_on_path is None:
            self._wanted_on_path = {}
            for name in sorted(self._path_names()):
                program = self.closure.find_program(name)
                target = self._final(program) if program else None
                if program and target and self.units.package_of.get(target) in self.units.wanted \
                        and self.units.is_program(target):
                    self._wanted_on_path[name] = program
        return self._wanted_on_path

    def _roles_named(self, programs: list[str]) -> None:
        """What a program kept alone, never run, names by an absolute path
        that leads through /etc/alternatives, when it imports a function
        that runs one: a role the image's administrator chose the program
        for (/usr/bin/pager, /usr/bin/editor). bsd-mailx's mail, kept for
        Dovecot's init script, pages a long message through /usr/bin/pager:
        in `docker exec -it ... mail`, "/usr/bin/pager: not found" and
        nothing of the message. And one its package depends on: mail's
        /usr/sbin/sendmail, of the mail transport agent bsd-mailx depends on
        (`default-mta | mail-transport-agent`: dma), without which Icinga's
        notification scripts' mail said "sendmail process failed". Not
        every program such a binary names by path: systemctl's led to
        update-rc.d and perl-base."""
        todo, seen = list(programs), set(programs)
        while todo:
            path = todo.pop(0)
            final = self._final(path)
            if final is None or not self._imports(final, SPAWN_FUNCTIONS):
                continue
            deps = set(self.units.package_deps.get(self.units.package_of.get(final, ""), []))
            roles = []
            for word in sorted(self._data_words_of(final)):
                if not word.startswith("/") or is_pseudo(word):
                    continue
                try:
                    walk = self.closure.fs.walk(word)
                except SymlinkLoop:
                    continue
                if walk.final and self.units.is_program(walk.final) \
                        and (any(link.startswith(ALTERNATIVES + "/") for link in walk.links)
                             or self.units.package_of.get(walk.final) in deps):
                    roles.append(word)
            if roles:
                before = len(self._kept_alone)
                self._keep_programs(roles, f"{final} (a name compiled into it, a role of {ALTERNATIVES} "
                                           f"or of a package its own depends on)")
                # (and theirs: logrotate's mail, then mail's sendmail)
                todo += [p for p in self._kept_alone[before:] if p not in seen]
                seen.update(todo)

    def _interpreter_features(self) -> None:
        """The files of Ruby's library its interpreter requires by a name
        compiled into it, on the first call of a method of its own
        (String#unicode_normalize requires unicode_normalize/normalize.rb):
        of a kept libruby, the words of its data that end in .rb or .so
        and name a feature of a Ruby library directory. A route calling
        unicode_normalize was a 500 on a minified Sinatra image, LoadError."""
        for lib in self._kept_libraries():
            final = self._final(lib)
            if final is None or not posixpath.basename(final).startswith(RUBY_INTERPRETER_LIBRARY):
                continue
            for word in sorted(self._data_words_of(final)):
                if word.endswith((".rb", ".so")) and not word.startswith("/"):
                    for key in self.units.script_libraries("ruby", word.rsplit(".", 1)[0]):
                        self._use(key, f"required by {final} by a name compiled into it")

    def _frozen_modules(self, traced: dict[str, str]) -> dict[str, str]:
        """The files of the modules frozen into a Python whose standard
        library the workload read from (PYTHON_FROZEN), as loaded: they
        ran, from the interpreter's copies."""
        out = {}
        for lib in sorted(self.units.python_stdlibs):
            if not any(p.startswith(lib + "/") for p in traced):
                continue
            why = f"frozen into the interpreter of {lib}, which ran"
            for name in PYTHON_FROZEN:
                path = f"{lib}/{name}.py"
                if path not in traced and path in self.units.stats:
                    out[path] = why
        return out

    def _as_compiled(self, directory: str) -> tuple[bytes, ...]:
        """How a binary that names directory spells it: a C string, with or
        without its last slash; on a merged-/usr image also without /usr
        where /lib, /bin or /sbin is a link into it (libpam names
        "/lib/x86_64-linux-gnu/security/", its modules' directory, as
        dpkg spells it: none of PAM's modules was kept, and MariaDB's PAM
        logins were refused as if the password were wrong). And with one
        slash doubled, as a build joins its prefix and a subdirectory:
        libMagickCore names
        "/usr/lib/x86_64-linux-gnu/ImageMagick-6.9.11//modules-Q16/coders",
        and with no coder kept, convert, kept beside Redmine, converted
        nothing ("no decode delegate for this image format")."""
        spelled = []
        for d in self._spellings(directory):
            parts = d.split("/")
            spelled += [d] + ["/".join(parts[:i]) + "//" + "/".join(parts[i:]) for i in range(2, len(parts))]
        return tuple(form for d in spelled for form in (d.encode() + b"\0", d.encode() + b"/\0"))

    def _spellings(self, path: str) -> list[str]:
        """path, and on a merged-/usr image path without /usr where /lib,
        /bin or /sbin is a link into it (see _as_compiled)."""
        spellings = [path]
        top = "/" + path.split("/")[2] if path.startswith("/usr/") else ""
        if top in ("/lib", "/lib64", "/bin", "/sbin") and self._final(top) == "/usr" + top:
            spellings.append(path[len("/usr"):])
        return spellings

    def _scripts_near(self, own: str | None) -> tuple[set[str], set[str]]:
        """The packages that depend on package own in one step or two, and
        the names of what they put in a directory on PATH (looked up first:
        a binary's data has thousands of words); once a package, as every
        binary of a package asks the same."""
        if own is None:
            return set(), set()
        if own not in self._near:
            near = self._dependents_within(own, 2)
            names = {posixpath.basename(m) for key in near for m in self.units.units[key].members
                     if parent_of(m) in self._path_dirs()}
            self._near[own] = (near, names)
        return self._near[own]

    def _files_plugins_name(self) -> None:
        """What a library that loads modules by name (_what_libraries_name)
        and the modules it loads name by absolute path, as for a program
        that ran (_files_programs_name), and the small directories under
        /etc they name, whole: PAM reads the service's file in /etc/pam.d,
        which libpam names, and pam_unix checks a password against
        /etc/shadow; with neither, MariaDB's PAM logins were refused as if
        the password were wrong (an admin's /etc/pam.d/mariadb, never read
        while the probes ran)."""
        for directory, library in sorted(self._plugin_dirs.items()):
            final = self._directory(directory)
            modules = [p for p in self.units.subtree(final)[1:] if self._is_module(p)] if final else []
            named = self._files_programs_name([library, *modules])
            for word in named:
                target = self._final(word)
                if target is None or not target.startswith("/etc/") or not self.units.is_dir(target):
                    continue
                tree = self.units.subtree(target)
                if len(tree) <= STATE_TREE_LIMIT[0] and max(self._file_sizes(tree), default=0) <= SMALL_FILE:
                    for p in tree:
                        if p not in self.closure.kept:
                            self.closure.add(p, f"under {target}, which {library} or a module it loads "
                                                f"names (compiled in)")

    def _files_programs_name(self, programs: Iterable[str]) -> list[str]:
        """The small files a program that ran names by their absolute path
        among the strings of its data, read in a branch the probes never
        took: doveconf -n prints the distribution's release from
        /etc/debian_version (a list of release files compiled in), and on
        the minified image printed the line without it, exit 0. Regular
        files of the image only, none over SMALL_FILE, not under /proc,
        /sys or /dev, nor executable (_compiled_in_programs'); each program once.
        Returns every absolute name they hold, for a caller that looks
        for more."""
        every: list[str] = []
        for path in programs:
            final = self._final(path)
            if final is None or final in self._files_named_read:
                continue
            self._files_named_read.add(final)
            named = [w for w in self._data_words_of(final) if w.startswith("/") and not is_pseudo(w)]
            every += named
            for word in sorted(named):
                target = self._final(word)
                st = self.units.stats.get(target or "")
                if target is None or st is None or not stat.S_ISREG(st.st_mode) or st.st_size > SMALL_FILE \
                        or target in self.closure.kept or st.st_mode & 0o111:
                    continue
                self.closure.add(word, f"{final} names it (compiled in)")
        return every

    def _imports(self, path: str, functions: tuple[str, ...]) -> set[str]:
        """Which of functions the ELF file path imports (its undefined
        dynamic symbols, read once a file: elf.undefined_symbols); nothing
        for a file that is not ELF or cannot be read."""
        if path not in self._undefined:
            try:
                with self.closure.fs.open_file(path, hold=False) as fh:
                    self._undefined[path] = elf.undefined_symbols(fh) if fh.read(4) == elf.ELF_MAGIC \
                        else frozenset()
            except (OSError, SymlinkLoop):
                self._undefined[path] = frozenset()
        return set(self._undefined[path].intersection(functions))

    def _data_words_of(self, path: str) -> frozenset[str]:
        """The words of the ELF file path's data (elf.data_words), read once
        a file; nothing for a file that is not ELF or cannot be read."""
        if path not in self._data_words:
            self._data_words[path] = self._read_elf(path, elf.data_words, frozenset())
        return self._data_words[path]

    def _data_ends_of(self, path: str) -> elf.DataEnds:
        """The one-word strings and the ends of the others of the ELF file
        path's data (elf.data_ends), read once a file, as _data_words_of."""
        if path not in self._data_ends:
            self._data_ends[path] = self._read_elf(path, elf.data_ends, elf.DataEnds())
        return self._data_ends[path]

    def _read_elf(self, path: str, reader: Callable[[BinaryIO], T], empty: T) -> T:
        """What reader finds in the ELF file path; empty for a file that is
        not ELF or cannot be read."""
        try:
            with self.closure.fs.open_file(path, hold=False) as fh:
                return reader(fh) if fh.read(4) == elf.ELF_MAGIC else empty
        except (OSError, SymlinkLoop):
            return empty

    def _tools_of_loaded_libraries(self) -> None:
        """The commands a package puts on PATH when a shared library of its
        own was loaded and all they need is kept already (nothing more
        comes for them): dovecot's master loads libdovecot-sieve to learn
        managesieve's capabilities, no tool of dovecot-sieve ran, and its
        sievec, sieve-test and sieve-dump were dropped ("sievec: not
        found", exit 127). Each alone."""
        for library in sorted(self._traced):
            final = self._final(library)
            key = self.units.package_of.get(final or "")
            if not SHARED_OBJECT.search(posixpath.basename(library)) or key is None:
                continue
            package = key.split(':', 1)[1]
            if key not in self._tools_kept_for:
                self._tools_kept_for.add(key)
                self._keep_programs(self._ready_tools(key), f"{package}, whose {final} was loaded")
            # the tools of the same source that depend on it, its command
            # line: proj-bin's cs2cs and projinfo beside libproj25 (a GIS
            # service loads it; "cs2cs: not found"), sqlite3 beside
            # libsqlite3-0, fontconfig's fc-list beside libfontconfig1. Not
            # beside a library of the system's own, one that the packages
            # every system has (Essential, or of priority required) need
            # (libc6's libc-bin and libc-dev-bin, libgcc-s1's and
            # libstdc++6's gcc-12: 3.3 MB of compiler drivers; e2fsprogs'
            # beside libcom-err2). Not priority important: that is systemd,
            # whose libsystemd-shared needs libssl3 through libcryptsetup12,
            # so a PHP image with systemd lost openssl beside the libssl3
            # PHP loaded ("openssl: not found" making a site's
            # certificate). Not for a library that was only
            # needed by a program kept, never loaded (certutil's libnss3,
            # certutil found on PATH); not for a language's module in a
            # directory of its own (Perl's Fcntl.so: perl's 29 scripts)
            if final not in self._in_trace or key in self._siblings_kept_for \
                    or not LIB_DIR.match(parent_of(final)) or key in self._system_packages():
                continue
            self._siblings_kept_for.add(key)
            source = self.units.package_source.get(key)
            for dep in self._dependents_of(key):
                if self.units.package_source.get(dep) == source:
                    self._keep_programs(self._ready_tools(dep), f"{dep.split(':', 1)[1]}, built from the "
                                                                f"same source as {package}, whose {final} "
                                                                f"was loaded")

    def _system_packages(self) -> set[str]:
        """The packages every system of the distribution has (Essential, or
        of priority required) and what they depend on,
        through the packages between (made once)."""
        if self._system is None:
            todo = list(self.units.essential | self.units.base)
            self._system = set(todo)
            while todo:
                for dep in self.units.package_deps.get(todo.pop(), []):
                    if dep not in self._system:
                        self._system.add(dep)
                        todo.append(dep)
        return self._system

    def _ready_tools(self, key: str) -> list[str]:
        """The commands of package key all of whose needs are kept already."""
        kept = self.closure.kept
        return [m for m in self._commands_of(key) if m not in kept
                and all(n.path in kept or self._final(n.path) in kept for n in self.closure.needs(m))]

    def _sibling_tools(self, programs: Iterable[str], how: str = "ran") -> None:
        """The commands of the packages that the package of a program that
        ran depends on and that are built from the same source: one program
        split into packages, whose tools are the next thing its users run.
        sshd runs a client's `scp -t` and its admin `ssh-keygen -A`
        (openssh-client: "scp: command not found", then "no hostkeys
        available"); Apache's basic auth needs htpasswd's file
        (apache2-utils: 500s). Each program alone, with what it needs. The
        same for a module a server loaded (how: "was loaded"): Apache's
        mod_php depends on php8.2-cli, of its source, the interpreter an
        application's maintenance scripts run with (MediaWiki's runJobs.php
        and update.php: "php: executable file not found")."""
        seen: set[str] = set()
        for path in programs:
            key = self.units.package_of.get(self._final(path) or "")
            if key is None or key in seen:
                continue
            seen.add(key)
            for dep in self._same_source_deps(key):
                if dep in self.result.used:
                    continue        # (kept whole: what it left out, it said why: postfix's python3 scripts)
                why = (f"{dep.split(':', 1)[1]}, built from the same source as {key.split(':', 1)[1]}, "
                       f"whose {path} {how}")
                self._keep_programs(self._commands_of(dep), why)

    def _hook_templates(self, programs: Iterable[str]) -> None:
        """A directory of hooks whose templates (pre-commit.tmpl, git's
        pre-commit.sample) bear names a program that ran, or a kept library
        of its source, holds among its strings: it runs the hooks a user
        puts there, shell scripts that assume the shell's toolbox (svnserve
        runs a repository's hooks/pre-commit through libsvn_repos: on a
        minified image a policy hook's `svnlook changed | awk ...` found no
        awk, so checked nothing and let the commit through, exit 0)."""
        hooks: dict[str, set[str]] = {}
        for path in self.closure.kept:
            name = posixpath.basename(path)
            directory = parent_of(path)
            # (not a package's templates, git's for `git init`, nor a work
            # tree's .git, whose hooks only a commit there runs; a hook's
            # name of two words: `update` is a word of python3's and node's)
            if posixpath.basename(directory) == "hooks" and name.endswith(HOOK_TEMPLATE_SUFFIXES) \
                    and "-" in name and not directory.endswith("/.git/hooks") \
                    and not self.units.dir_owners.get(directory):
                hooks.setdefault(directory, set()).add(name.rsplit(".", 1)[0])
        if not hooks:
            return
        finals = [f for p in programs if (f := self._final(p)) is not None]
        sources = {self.units.package_source.get(k) for f in finals if (k := self.units.package_of.get(f))}
        sources.discard(None)
        source_of = self.units.package_source
        runners = finals + [f for p in self._kept_libraries() if (f := self._final(p))
                            and (k := self.units.package_of.get(f)) and source_of.get(k) in sources]
        for directory, names in sorted(hooks.items()):
            runner = next((r for r in dict.fromkeys(runners)
                           if len(names & self._data_words_of(r)) >= HOOK_NAMES_HELD), None)
            if runner is not None:
                self._toolbox(f"{runner} runs the hooks of {directory}")
                self._hook_interpreters(directory)
                return

    def _hook_interpreters(self, directory: str) -> None:
        """The interpreters a hook directory's templates name scripts of
        (svn's pre-commit.tmpl suggests commit-access-control.pl), each
        with its package whole (perl-base: perl and the modules every
        script uses): a part of the toolbox, kept with --keep toolbox or
        under TOOLBOX_SHARE of the bytes kept, else said. A Perl
        pre-commit hook blocked every commit on a minified Subversion
        image, "exit code 255 with no output", unsaid."""
        named: dict[str, str] = {}
        for p in self.units.children(directory):
            if p.endswith(HOOK_TEMPLATE_SUFFIXES) and (text := self.units.read_text(p)):
                for script, suffix in HOOK_SCRIPT.findall(text):
                    named.setdefault(HOOK_INTERPRETERS[suffix], script)
        for name, script in sorted(named.items()):
            program = self.closure.find_program(name)
            key = self.units.package_of.get(self._final(program) or "") if program else None
            if program is None or key is None or key in self.result.used:
                continue
            files = [m for m in self.units.units[key].members
                     if not is_documentation(m) and not self.units.is_dir(m)]
            adds = self._cost(files)
            why = f"{name}, which the hooks of {directory} may be written in (its templates name {script})"
            if comes := self._toolbox_part(ToolboxPart(why, adds, [name])):
                self._use(key, f"{why}: {comes}")

    def _looked_up_programs(self, traced: dict[str, str], programs: list[str]) -> None:
        """A program of a package the workload looked up and did not run
        (Octave finds gnuplot on PATH as it starts, and runs it to print):
        kept as traced, it comes with what a program kept alone does
        (_program_companions), and the data packages it depends on: without
        gnuplot-data's PostScript prologues, 7 of 8 print formats failed on
        a minified Octave image."""
        ran = {f for p in programs if (f := self._final(p))}
        for path in sorted(traced):
            final = self._final(path)
            key = self.units.package_of.get(final or "")
            if final is None or key is None or final in ran or path not in self._in_trace \
                    or parent_of(final) not in COMMAND_DIRS or not self.units.is_program(final):
                continue
            why = f"{path}, which the workload looked up"
            self._program_companions(path, path, final, why)
            self._data_dependencies(key, why, direct=True)      # (its data, whoever installed it)

    def _login_shells(self, programs: Iterable[str]) -> None:
        """The login shells /etc/passwd names, each alone, when a program
        that ran logs users in (it starts a PAM session, LOGIN_FUNCTIONS):
        sshd refuses an account whose shell is missing, and an sftp-only
        account's /usr/sbin/nologin was dropped ("shell /usr/sbin/nologin
        does not exist": no login at all, sftp included)."""
        if not any(self._imports(f, LOGIN_FUNCTIONS) for p in programs if (f := self._final(p))):
            return
        self._logs_users_in = True
        text = self.units.read_text("/etc/passwd") or ""
        shells = {fields[6] for line in text.splitlines()
                  if len(fields := line.split(":")) == 7 and fields[6].startswith("/")}
        for shell in sorted(shells):
            final = self._final(shell)
            if final is not None and self.units.is_program(final):
                self._keep_programs([shell], "a login shell /etc/passwd names (a program that logs users "
                                             "in ran)")

    def _same_source_deps(self, key: str) -> list[str]:
        """The packages built from key's source that it depends on, in any
        number of steps through such packages: the whole split program.
        exim4-daemon-light depends on exim4-base, which depends on
        exim4-config, whose update-exim4.conf is Debian's way to change
        Exim's settings ("not found", the edit without effect)."""
        source = self.units.package_source.get(key)
        out: list[str] = []
        todo = [key]
        while todo:
            for dep in self.units.package_deps.get(todo.pop(0), []):
                if dep != key and dep not in out and dep in self.units.units \
                        and self.units.package_source.get(dep) == source:
                    out.append(dep)
                    todo.append(dep)
        return out

    def _suite_directories(self, programs: Iterable[str]) -> None:
        """A program that ran in a private directory of programs (under
        lib or libexec, or /opt; not on PATH): the packages built from its
        package's source that put files in that directory, whole. One
        program split into packages shares its helpers' directory, and
        runs them by name when asked: cupsd ran
        cups-exec from /usr/lib/cups/daemon, and `lpinfo -m` then needed
        cups-driverd, of the cups package ("failed to execute"); Nagios ran
        check_http from /usr/lib/nagios/plugins, where check_file_age loads
        utils.pm of monitoring-plugins-common and a service added next runs
        check_dns of monitoring-plugins-standard.
        Also such a directory where the package of a program that ran (on
        PATH) has a program of its own: smbd, in /usr/sbin, spawns
        samba-dcerpcd from /usr/libexec/samba (samba-common-bin's, beside
        samba's samba-bgqd), which runs every rpcd_* there; without them
        `smbclient -L` listed no share, exit 0, and every RPC client
        failed. And the packages of another source there, of which a
        package of its source depends on or recommends one: Icinga's
        icinga2 recommends monitoring-plugins-basic, whose plugins it runs
        from /usr/lib/nagios/plugins, where icinga2-bin has a program of
        its own; none ran before the probe passed (its first checks come at
        random within their interval), and every check failed, "execvpe
        ... No such file", with nothing said."""
        done: set[str] = set()
        packages_done: set[str] = set()
        by_source: dict[str, set[str]] = {}
        for k, src in self.units.package_source.items():
            by_source.setdefault(src, set()).add(k)
        for path in programs:
            final = self._final(path)
            key = self.units.package_of.get(final or "")
            if key is None:
                continue
            directories = [parent_of(final or "")]
            if key in self.units.units and key not in packages_done:
                packages_done.add(key)      # (its programs' directories once: is_program opens each)
                directories += sorted({parent_of(m) for m in self.units.units[key].members
                                       if self.units.is_program(m)})
            for directory in directories:
                if directory in done or not PROGRAM_DIR.match(directory) or directory in self._path_dirs() \
                        or LIB_DIR.match(directory) or is_system_dir(directory):
                    continue
                done.add(directory)
                self._suite_packages.add(key)       # (its other programs there run next too)
                source = self.units.package_source.get(key)
                chosen = {self.units.package_source.get(d) for k in by_source.get(source or "", ())
                          for table in (self.units.package_deps, self.units.package_recommends)
                          for d in table.get(k, [])} - {source}
                for other in sorted(self.units.dir_owners.get(directory, ())):
                    if other == key or other not in self.units.units:
                        continue
                    if self.units.package_source.get(other) == source:
                        why = "built from the same source"
                    elif (other_source := self.units.package_source.get(other)) in chosen:
                        why = f"of {other_source}, which {source} depends on or recommends"
                    else:
                        continue
                    self._suite_packages.add(other)
                    self._use(other, f"in {directory}, beside {path}, which ran, or a program of its "
                                     f"package, {why}")

    def _commands_of(self, key: str) -> list[str]:
        """The programs package key puts in a directory on PATH, also as a
        link to a program (redis-sentinel's only command is one to
        redis-tools' redis-check-rdb)."""
        return [m for m in self.units.units[key].members
                if parent_of(m) in self._path_dirs() and self.units.is_program(self._final(m) or "")]

    def _optional_packages(self, own: str | None) -> set[str]:
        """The packages package own recommends or suggests, installed: a
        program of one, named bare in own's binary, is a tool it runs when
        it is there (git runs `pager`, /etc/alternatives' link to less,
        which git recommends; without it `git log` said "cannot run
        pager"). Not what it depends on (procps, iproute2, lsof: for its
        maintainer's scripts, and their programs' names are words: "kill",
        "ip"), nor the system's own (Essential, priority required)."""
        if own is None:
            return set()
        return {k for table in (self.units.package_recommends, self.units.package_suggests)
                for k in table.get(own, []) if k not in self.units.essential and k not in self.units.base}

    def _related_packages(self, own: str) -> set[str]:
        """The packages package own depends on, recommends or suggests."""
        return {k for table in (self.units.package_deps, self.units.package_recommends,
                                self.units.package_suggests) for k in table.get(own, [])}

    def _path_names(self) -> set[str]:
        """The names in the image's PATH directories."""
        if self._path_entries is None:
            self._path_entries = {posixpath.basename(c) for d in self._path_dirs()
                                  for c in self.units.children(d)}
        return self._path_entries

    def _path_dirs(self) -> set[str]:
        """The directories of the image's PATH, as the image stores them
        (/bin is /usr/bin in a merged-/usr image)."""
        if self._path is None:
            dirs = self.closure.env.get("PATH", DEFAULT_PATH).split(":")
            self._path = {f for d in dirs if d and (f := self._final(d.rstrip("/") or "/"))}
        return self._path

    def _kept_libraries(self) -> list[str]:
        return [p for p in sorted(self.closure.kept) if SHARED_OBJECT.search(posixpath.basename(p))]

    def _dependents_within(self, key: str, steps: int) -> set[str]:
        """The packages that depend on package key, in at most steps steps."""
        out: set[str] = set()
        frontier = {key}
        for _ in range(steps):
            frontier = {p for k in frontier for p in self._dependents_of(k)} - out - {key}
            out |= frontier
        return out

    def _is_script(self, path: str) -> bool:
        try:
            with self.closure.fs.open_file(path, hold=False) as fh:
                return fh.read(2) == b"#!"
        except (OSError, SymlinkLoop):
            return False

    def _is_module(self, path: str) -> bool:
        """Whether path is a shared object by its name, a file (not a link:
        /usr/bin/ld.so is one to the loader)."""
        st = self.units.stats.get(path)
        return st is not None and stat.S_ISREG(st.st_mode) and bool(MODULE.search(posixpath.basename(path)))

    def _dependents_of(self, key: str) -> list[str]:
        """The packages that depend on package key (made once)."""
        if self._dependents is None:
            self._dependents = {}
            for package, deps in self.units.package_deps.items():
                for dep in deps:
                    self._dependents.setdefault(dep, []).append(package)
        return self._dependents.get(key, [])

    def _loaded_by_name(self, programs: list[str]) -> None:
        """The shared libraries the package of a program that ran loads by
        their name (dlopen("libfontconfig.so.1")), from the packages it
        depends on: the JDK's libawt loads fontconfig so when it first
        draws text, and on a minified Tomcat every such request hung, its
        worker thread dead of "Fontconfig head is null". Not a library a
        file of it needs (DT_NEEDED: the closure's), and only if it brings
        no more than the packages the workload never used allow
        (_keep_files)."""
        packages = {key for p in programs if (key := self.units.package_of.get(self._final(p) or ""))}
        for key in sorted(packages):
            names = self._dependency_libraries(key)
            if not names:
                continue
            unit = self.units.units[key]
            for m in unit.members:
                st = self.units.stats.get(m)
                if st is None or not stat.S_ISREG(st.st_mode) \
                        or not SHARED_OBJECT.search(posixpath.basename(m)):
                    continue
                for name in sorted(self._loads_by_name(m, names)):
                    path, dep = names[name]
                    self._keep_files(self.units.units[dep], [path],
                                     f"{m} loads it by name ({unit.label} depends on {dep.split(':', 1)[1]})")

    def _dependency_libraries(self, key: str) -> dict[str, tuple[str, str]]:
        """The shared objects in a library directory of the packages
        package key depends on, not kept yet: each file name -> (its path,
        its package); the first package's, where two have one name."""
        names: dict[str, tuple[str, str]] = {}
        for dep in self.units.package_deps.get(key, []):
            for m in self.units.units[dep].members if dep in self.units.units else ():
                if SHARED_OBJECT.search(posixpath.basename(m)) and LIB_DIR.match(parent_of(m)) \
                        and m not in self.closure.kept:
                    names.setdefault(posixpath.basename(m), (m, dep))
        return names

    def _leads_to(self, path: str) -> str | None:
        """The regular file of the image path is, or that its links end at
        (a library's soname is usually a link to its file); None for
        anything else."""
        final = self._final(path)
        st = self.units.stats.get(final) if final else None
        return final if st is not None and stat.S_ISREG(st.st_mode) else None

    def _loads_by_name(self, path: str, names: Iterable[str]) -> set[str]:
        """Which of names (libraries' file names) the ELF file path holds as
        a C string and does not list as DT_NEEDED: what it dlopen()s by
        name. Nothing for a file that is not ELF or cannot be read."""
        try:
            with self.closure.fs.open_file(path, hold=False) as fh:
                info = elf.read_elf(fh)
                if info is None:
                    return set()
                needles = {n: (b"\0" + n.encode() + b"\0",) for n in names}
                return elf.containing(fh, needles) - set(info.needed)
        except (OSError, SymlinkLoop):
            return set()

    def _strings_in(self, path: str, needles: dict[str, tuple[bytes, ...]]) -> set[str]:
        """elf.containing of the file path (the keys of needles it holds);
        nothing for a file that cannot be read."""
        try:
            with self.closure.fs.open_file(path, hold=False) as fh:
                return elf.containing(fh, needles)
        except (OSError, SymlinkLoop):
            return set()

    def _data_libraries_name(self) -> bool:
        """The data packages a kept library's package depends on, when the
        library names their directory (compiled in, a C string): libgdal32
        reads gdal-data's /usr/share/gdal and libproj25 proj-data's
        /usr/share/proj only when a format or a coordinate system first
        needs a file of them. Without them a GIS service, its probe a
        reprojection that needed neither, wrote DXF and DGN with 500s, and
        EPSG:31467 came out half a metre off and an EGM96 height 49 m
        wrong, exit 0. Whether a package came in."""
        came = False
        for final, key in self._new_libraries(self._data_scanned):
            needles = {dep: tuple(n for top in self._top_dirs(self.units.units[dep])
                                  for n in self._as_named(top))
                       for dep in self.units.package_deps.get(key, [])
                       if dep not in self._queued and self._is_data_for_code(self.units.units[dep])}
            needles = {dep: n for dep, n in needles.items() if n}
            for dep in sorted(self._strings_in(final, needles) if needles else ()):
                self._use(dep, f"data {final} reads by name, of {dep.split(':', 1)[1]}, which "
                               f"{key.split(':', 1)[1]} depends on")
                came = True
        return came

    def _new_libraries(self, seen: set[str]) -> Iterator[tuple[str, str]]:
        """The kept shared libraries not in seen (added to it as they come),
        each as its file and its package, for one that has both."""
        for path in self._kept_libraries():
            if path in seen:
                continue
            final = self._final(path)
            key = self.units.package_of.get(final or "")
            seen.add(path)
            if final is None or key is None or final != path and final in seen:
                continue        # (a library once, whatever links lead to it)
            seen.add(final)
            yield final, key

    def _top_dirs(self, unit: Unit) -> list[str]:
        """The highest directories (or files) of a package's own, below the
        directories of the hierarchy and those other packages share:
        gdal-data's /usr/share/gdal, not fonts-dejavu-core's /usr/share/fonts.
        Not its documentation."""
        tops = set()
        for m in unit.members:
            if is_documentation(m) or TRANSLATION.match(m):
                continue
            top = m
            while parent_of(top) != "/" and not is_system_dir(parent_of(top)) \
                    and self.units.dir_owners.get(parent_of(top), set()) <= {unit.key}:
                top = parent_of(top)
            tops.add(top)
        return sorted(tops)

    def _as_named(self, path: str) -> tuple[bytes, ...]:
        """How a binary names path, or a file under it: a C string that is
        path, or starts with path and a slash (see _as_compiled)."""
        return tuple(b"\0" + name.encode() + end for name in self._spellings(path) for end in (b"\0", b"/"))

    def _libraries_loaded_by_name(self) -> bool:
        """The shared libraries of a kept library's own package that it
        loads by their name (a C string, not a DT_NEEDED): libnss3 loads
        libsoftokn3.so and libfreeblpriv3.so when a certificate database
        is opened; Caddy's `trust` found "no NSS security databases",
        exit 0, and certutil failed, on the minified image. Again for what
        that brings. Whether a library came in."""
        came = False
        for final, key in self._new_libraries(self._names_scanned):
            # its own package's, and those in a library directory of the
            # packages it depends on: glibc's libc.so.6 loads libgcc-s1's
            # libgcc_s.so.1 when a thread exits or is cancelled, and a
            # Mosquitto bridge aborted, "libgcc_s.so.1 must be installed
            # for pthread_exit to work" (125 KB)
            # by the name dlopen() is given, the soname, often a link; not
            # its own (its SONAME is one of its strings: Lua's modules are
            # loaded by another link, and Prosody's 48 soname links came)
            names = {posixpath.basename(m): (m, key) for m in self.units.units[key].members
                     if SHARED_OBJECT.search(posixpath.basename(m)) and m not in self.closure.kept
                     and self._leads_to(m) not in (None, final)}
            for name, (path, dep) in self._dependency_libraries(key).items():
                if self._leads_to(path) not in (None, final):
                    names.setdefault(name, (path, dep))
            for name in sorted(self._loads_by_name(final, names) if names else ()):
                path, owner = names[name]
                self._keep_files(self.units.units[owner], [path], f"{final} loads it by name")
                came = came or path in self.closure.kept
        return came

    def _libraries_bring(self) -> bool:
        """What the shared libraries kept so far bring (_library_data,
        _data_libraries_name, _libraries_loaded_by_name), each asked;
        whether any brought something."""
        return any([self._library_data(), self._data_libraries_name(), self._libraries_loaded_by_name()])

    def _library_data(self) -> bool:
        """The package of a shared library that is kept, for the data it
        carries beside it (_package_members leaves its other libraries
        out): libtcl8.6 reads its init.tcl from /usr/share/tcltk on
        Tcl_Init, and R's tcltk failed to load without it. Whether a package
        came in."""
        for path in sorted(self.closure.kept):
            # (a module is its directory's: _module_dir)
            if not MODULE.search(posixpath.basename(path)) or not LIB_DIR.match(parent_of(path)):
                continue
            key = self.units.package_of.get(path)
            if key is None or key in self._queued:
                continue
            unit = self.units.units[key]
            if not self.units.is_program_package(unit) and not self.units.is_data_package(unit):
                self._use(key, f"{path}, a library of it, is kept")
        return bool(self._queue)

    def _configured_trees(self, traced: dict[str, str]) -> None:
        """The files no package owns under a directory that configuration
        the workload read names (in /etc): a server serves or runs them by
        the name a request gives. Apache read ScriptAlias /cgi-bin/
        /usr/lib/cgi-bin/, and every CGI script there was dropped (404 on
        the minified image). And the programs it names (_configured_program),
        also by a name relative to a variable, in a directory a file of it
        names (Nagios's commands run `$USER1$/check_load`, where
        resource.cfg sets `$USER1$=/usr/lib/nagios/plugins`: check_load,
        kept with its package and never run, runs the /usr/bin/uptime
        compiled into it, "could not parse load from uptime"). Outside /etc,
        in a file of settings of the image's own (supervisord's [include]
        of /srv/app/supervisor/*.conf), the programs only."""
        tails: dict[str, str] = {}      # a name after a variable -> the file that gives it
        directories: set[str] = set()   # the directories it names
        for path in sorted(traced):
            st = self.units.stats.get(path)
            etc = path.startswith("/etc/")
            if not (etc or path.endswith(CONFIG_SUFFIXES) and self._images_own(path)) \
                    or st is None or not stat.S_ISREG(st.st_mode):
                continue
            text = self.units.read_text(path)
            if text is None:
                continue
            commands = [c for value in COMMAND_SETTING.findall(text) for c in script_commands(value)
                        if not c.startswith("/") or self.units.is_program(self._final(c) or "")]
            self._keep_commands(commands, f"a setting in {path}")
            names = set(CONFIG_PATH.findall(text))      # (after, path)
            for named in sorted({name for after, name in names if after != ":"}):
                self._configured_program(named, path)
            for tail in VARIABLE_TAIL.findall(text):
                tails.setdefault(tail, path)
            if not etc:
                continue        # (an application's file of settings: the programs it names)
            for named in sorted({name for _, name in names}):
                final = self._directory(named.rstrip("/") or "/")
                if (final is None or final == "/" or is_pseudo(final) or is_system_dir(final)
                        or LIB_DIR.match(final) or final.startswith("/etc/")
                        or self.units.in_language_dir(final)):
                    continue
                self._use_trees_under(final, f"under {final}, which {path} names")
                directories.add(final)
        for directory in sorted(directories):
            for tail, path in sorted(tails.items()):
                named = f"{directory}/{tail}"
                if named in self.units.stats:
                    self._configured_program(named, path)

    def _configuration_beside(self, traced: dict[str, str]) -> None:
        """A package's other configuration files under the directory of
        /etc one of its files the workload read is in (/etc/nginx for
        /etc/nginx/nginx.conf), and its configuration files at /etc's top
        (dpkg's conffiles): what the next configuration includes or
        copies by name. nginx read nginx.conf, mime.types and
        fastcgi.conf; a site mounted next, with `include proxy_params;`,
        failed `nginx -t`, the reload was refused and the old
        configuration kept serving until the next restart, when nginx would
        not start. Only that package's files (not another's under the same
        directory), while they are small (CONFIG_TREE_LIMIT). A file no
        package owns there, which a package's installation made, counts as
        of the packages of its directory: tex-common's update-texmf writes
        /etc/texmf/web2c/texmf.cnf, which TeX reads, beside its mktex.cnf,
        which only mktexpk reads, to learn where fonts it makes go (without
        it, into the system's tree, not the user's), when one package owns
        that directory."""
        done: set[tuple[str, str]] = set()
        ran_sources = {self.units.package_source.get(k) for k in self._packages_of_programs(self._executed())}
        for path in sorted(traced):
            parts = path.split("/")
            st = self.units.stats.get(path)
            if len(parts) < 4 or parts[1] != "etc" or st is None or not stat.S_ISREG(st.st_mode):
                continue
            owner = self.units.package_of.get(path)
            top = "/etc/" + parts[2]
            owners = self.units.dir_owners.get(parent_of(path), set())
            # (a directory of one package's: of many, /etc/default, whose it made is unknown)
            for key in [owner] if owner else sorted(owners) if len(owners) == 1 else []:
                if (key, top) in done or key not in self.units.units:
                    continue
                done.add((key, top))
                # (and its configuration files at /etc's top: exim4-config's
                # /etc/email-addresses, which Exim's rewriting of a local
                # sender looks up: every local message put an error in
                # paniclog, Debian's "mail system possibly broken")
                mine = [m for m in self.units.units[key].members if m.startswith(top + "/")
                        or parent_of(m) == "/etc" and m in self.units.conffiles]
                entries, size = CONFIG_TREE_LIMIT
                if len(mine) > entries or sum(self._file_sizes(mine)) > size:
                    continue
                why = f"configuration of {key.split(':', 1)[1]} beside {path}, which was read"
                key_ran = self.units.package_source.get(key) in ran_sources
                configured: str | None = None       # the configuration read there (once)
                for m in mine:
                    if m not in self.closure.kept:
                        self.closure.add(m, why)
                    if not key_ran or (st := self.units.stats.get(m)) is None \
                            or not stat.S_ISREG(st.st_mode) or not st.st_mode & 0o111 \
                            or m in self._named_scripts or (text := self.units.read_text(m)) is None \
                            or not is_shell_script(text[:256].encode("utf-8", "surrogateescape"), m):
                        continue
                    if configured is None:
                        configured = "\n".join(t for p in sorted(traced) if p.startswith(top + "/")
                                               and (t := self.units.read_text(p)) is not None)
                    if posixpath.basename(m) in configured:
                        # (an executable shell script of it that the
                        # configuration read there names is there to be
                        # run, when a program of its source ran: its
                        # commands, each alone. Icinga's notification
                        # scripts in /etc/icinga2/scripts ran hostname and
                        # which, "command not found". Not PAM's
                        # namespace.init beside sshd's (1.1 MB of awk), nor
                        # MariaDB's /etc/mysql/debian-start, which only its
                        # service unit runs)
                        self._named_scripts.add(m)
                        self._shell_script(m, text, f"script {m}, configuration of {key.split(':', 1)[1]}",
                                           whole=False)

    def _configured_program(self, named: str, config: str) -> None:
        """A program configuration names (R's Renviron: R_ZIPCMD=/usr/bin/zip,
        TAR=/bin/tar; utils::zip said "/usr/bin/zip: not found"), kept with
        its package as if run. One no package owns (postfix's alias
        `logger: "|/usr/local/bin/subject-logger"`: the mail was accepted,
        exit 0, and stayed deferred, "No such file") is kept with what it
        needs, its interpreter's package, and as the application's code, read
        for what it runs and loads."""
        final = self._final(named)
        if final is None or is_pseudo(final) or not self.units.is_program(final):
            return
        why = f"program {named}, which {config} names"
        if final not in self.units.package_of:
            self._add_with_units(named, why)
        self._use_package(named, why, data_too=True)
        self._as_if_run.append(named)       # (what is compiled into it: check_load's uptime)

    def _use_trees_under(self, directory: str, why: str) -> None:
        """The units of the files no package owns under directory, and the
        files there of the packages of data the workload read one of
        there (a server serves or runs them by the name a request gives:
        Tomcat's manager application, the docBase
        /etc/tomcat10/Catalina/localhost/manager.xml names, is
        tomcat10-admin's, data only, and its pages, styles and images
        were 404, only the WEB-INF files Tomcat read kept)."""
        packages: set[str] = set()
        for p in self.units.subtree(directory):
            for key in self.units.units_of(p):
                if key.startswith("tree:"):
                    self._use(key, why)
                elif p in self._in_trace and key in self.units.units:
                    packages.add(key)
        # (of a package of data the workload read a file of there: not every
        # libjs-* package under /usr/share/javascript, which Apache's
        # javascript-common aliases)
        for key in sorted(packages):
            unit = self.units.units[key]
            if self.units.is_data_package(unit):
                under = [m for m in self._package_members(unit) if m.startswith(directory + "/")]
                self._keep_files(unit, under, f"{why}: a file of {unit.name}, a package of data")

    def _edited_configuration(self) -> None:
        """The configuration files whose content is not what their package
        installed (dpkg's checksum of each): edited for this image, they
        are the deployment's own. gitweb's /etc/gitweb.conf, which names
        the repositories, was read by no probe that cloned over HTTP, and
        every gitweb page of the minified image said "404 - No such
        project"."""
        for path in sorted(self.units.conffiles):
            st = self.units.stats.get(path)
            if path in self.closure.kept or st is None or not stat.S_ISREG(st.st_mode) \
                    or st.st_size > META_LIMIT:
                continue
            if self._edited(path):
                self.closure.add(path, "configuration edited for this image (its package installed "
                                       "another content)")

    def _alternatives_state(self) -> None:
        """Where update-alternatives is kept, its record of each alternative
        whose link in /etc/alternatives is kept (ALTERNATIVES_STATE/<name>):
        php-fpm's socket helper kept it, and `update-alternatives --set php
        /usr/bin/php8.2` said "no alternatives for php", exit 2. Not the
        records of links not kept (their choices are gone)."""
        program = self._admin_command("update-alternatives")
        if program is None or self._final(program) not in self.closure.kept:
            return
        for link in self.units.children("/etc/alternatives"):
            record = f"{ALTERNATIVES_STATE}/{posixpath.basename(link)}"
            st = self.units.stats.get(record)
            if link in self.closure.kept and record not in self.closure.kept and st is not None \
                    and stat.S_ISREG(st.st_mode):
                self.closure.add(record, f"update-alternatives' record of {link}, which is kept")

    def _etc_own_files(self) -> None:
        """The files at /etc's top no package installed, small: the image's
        builder put them there, its settings, keys and accounts, which the
        next use may read though no probe did. A KDC's probe used
        /etc/krb5.keytab, and `kinit -k -t /etc/svc1.keytab` on the
        minified image found no keytab; `bash -l` reads /etc/profile, `su`
        /etc/shadow (both written by base-files' and passwd's scripts).
        Not a backup (/etc/passwd-), nor what the runtime mounts over
        (/etc/hosts) or anything mounted into a container (a bind of a
        host's file). And a small directory there no package has a file in,
        whole (ETC_OWN_TREE_LIMIT): an rsyslog image's certificates in
        /etc/rsyslog-tls, which a TLS drop-in added next names, were gone
        ("could not be accessed", every handshake refused); not what is in
        a package's directory of /etc, which its own rules keep. Only from
        an image or a container (a directory or a host process's root may
        be the host's: its /etc/shadow would be packed though nothing read
        it)."""
        for path in self.units.children("/etc"):
            st = self.units.stats.get(path)
            if path in self.closure.kept or path in self.units.package_of or st is None \
                    or ETC_BACKUP.search(path) or path in RUNTIME_WRITTEN \
                    or top_of(path, self.mounted) is not None:
                continue
            if stat.S_ISDIR(st.st_mode):
                self._etc_own_tree(path)
            elif stat.S_ISREG(st.st_mode) and st.st_size <= ETC_OWN_LIMIT:
                self.closure.add(path, "a file of the image's own at /etc's top (no package installed it): "
                                       "its settings, keys and accounts")

    def _srv_own(self) -> None:
        """What the image's builder put at /srv's top, the site's data (no
        package owns it), that nothing read: each file or directory whole,
        cheapest first, while they add no more than SRV_OWN_LIMIT in all.
        A Twisted image served /srv/www; on the minified image its
        certificate in /srv/tls (`twistd web --https`), its WSGI
        application in /srv/app and its tests in /srv/tests were gone, 3.2
        kB, and nothing said so; a signing service's keyring and signed
        release at /srv's top too. Over the bound, said (result.unused_own).
        Not what is mounted there."""
        pending: dict[str, list[str]] = {}
        for top in self.units.children("/srv"):
            if self.units.owned(top) or top_of(top, self.mounted) is not None:
                continue
            missing = [p for p in self.units.subtree(top) if p not in self.closure.kept]
            if missing and not any(self.units.owned(p) for p in missing):
                pending[top] = missing
        sizes = {top: sum(self._file_sizes(paths)) for top, paths in pending.items()}
        budget = SRV_OWN_LIMIT
        for top in sorted(pending, key=lambda t: (sizes[t], t)):
            if sizes[top] > budget:
                # (a directory by a '/' after its name: its --include is a glob)
                self.result.unused_own[top + "/" * self.units.is_dir(top)] = sizes[top]
                continue
            budget -= sizes[top]
            for p in pending[top]:
                if top_of(p, self.mounted) is None:
                    self.closure.add(p, f"the image's own at /srv's top ({top}), the site's data: "
                                        f"nothing read it here, a next use may")

    def _etc_own_tree(self, top: str) -> None:
        """The directory top of /etc, whole, where no package has a file or
        a directory in it, it holds no link, is not named as an installed
        package and is small (ETC_OWN_TREE_LIMIT; see _etc_own_files)."""
        tree = self.units.subtree(top)
        # (no package's directory, nor links: what update-rc.d and
        # deb-systemd-helper make for packages, /etc/rc0.d and
        # /etc/systemd/system's wants, is theirs, not the image's; nor one
        # named as an installed package, whose scripts wrote it:
        # /etc/python3/debian_config)
        if len(tree) > ETC_OWN_TREE_LIMIT[0] or any(p in self.units.package_of or self.units.dir_owners.get(p)
                                                    for p in tree) \
                or f"{self.units.db_kind}:{posixpath.basename(top)}" in self.units.units:
            return
        stats = [st for p in tree if (st := self.units.stats.get(p)) is not None]
        if sum(st.st_size for st in stats if stat.S_ISREG(st.st_mode)) > ETC_OWN_TREE_LIMIT[1] \
                or not all(stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode) for st in stats):
            return
        for p in tree:
            if p not in self.closure.kept and top_of(p, self.mounted) is None:
                self.closure.add(p, f"under {top}, a directory of the image's own at /etc's top (no "
                                    f"package installed a file in it): its settings and keys")

    def _listed_data_dirs(self, traced: dict[str, str]) -> None:
        """A directory of a data package the workload listed: it picks files
        from it by name (PostgreSQL and its time zones), so the package's
        files under it are kept."""
        listed = self.activity.listed if self.activity is not None else set(traced)
        for path in sorted(listed):
            st = self.units.stats.get(path)
            if st is not None and not (stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                continue          # only directories (or links to them) are listed
            final = self._directory(path)
            if final is None:
                continue
            owners = self.units.dir_owners.get(final, set())
            if len(owners) != 1 or self.units.in_language_dir(final):
                continue
            unit = self.units.units[next(iter(owners))]
            if not self.units.is_data_package(unit):
                continue
            why = f"under {final}, a directory of {unit.label} the workload listed"
            members = [m for m in self._package_members(unit) if m.startswith(final + "/")]
            self._keep_files(unit, members, why)
            self.result.used.setdefault(unit.key, why)

    def _xml_catalogs(self, traced: dict[str, str]) -> None:
        """What the XML catalogs the workload read map names to: a processor
        looks a stylesheet, a DTD or an entity set up there by the name the
        document or the command gives (docbook-xsl's
        http://docbook.sourceforge.net/release/xsl/current/ + a path), so a
        catalog is an index like a listed directory. A tree it rewrites
        names to: the files of the catalog's package there (not its programs;
        CATALOG_TREE_LIMIT); a file it maps a name to; a catalog it
        delegates to of a package in use, read in turn. With only the
        stylesheets the first build read kept, chunked HTML, man pages, FO
        and EPUB failed ("failed to load external entity"), a German book
        came out with empty headings (common/de.xml) and a DocBook 4.2
        book without its entities, both exit 0."""
        todo = [f for p in sorted(traced)
                if _catalog_name(p) and (f := self._final(p)) and self._is_xml_catalog(f)]
        seen = set(todo)
        how = {c: "which the workload read" for c in todo}
        while todo:
            catalog = todo.pop()
            why = f"named by the XML catalog {catalog}, {how[catalog]}"
            for element, attributes in XML_CATALOG_ENTRY.findall(self.units.read_text(catalog) or ""):
                found = XML_CATALOG_TARGET.search(attributes)
                if found is None:
                    continue
                target = self._catalog_target(catalog, found.group(2))
                final = self._final(target) if target else None
                if final is None or final in seen:
                    continue
                if element.startswith(("delegate", "next")):
                    key = self.units.package_of.get(final)
                    read = final in traced or key is not None and self._read_from(key)
                    if read and self._is_xml_catalog(final):
                        seen.add(final)
                        todo.append(final)
                        how[final] = f"which {catalog} delegates to"
                        self._add_catalog_file(final, why)
                elif element.startswith("rewrite"):
                    seen.add(final)
                    self._catalog_tree(catalog, final, why)
                else:
                    self._add_catalog_file(final, why)

    def _is_xml_catalog(self, path: str) -> bool:
        """An OASIS XML catalog: a file so named (_catalog_name) whose start
        declares the catalog namespace."""
        if not _catalog_name(path) or not self.units.is_file(path):
            return False
        try:
            with self.closure.fs.open_file(path, hold=False) as fh:
                return XML_CATALOG_NS.encode() in fh.read(4096)
        except (OSError, SymlinkLoop):
            return False

    def _catalog_target(self, catalog: str, value: str) -> str | None:
        """A catalog's target as a path in the image: a file: URI, an
        absolute path, or a path relative to the catalog's directory."""
        if value.startswith("file:"):
            value = "/" + value[len("file:"):].lstrip("/")
        elif "://" in value or value.startswith("urn:"):
            return None
        return posixpath.normpath(posixpath.join(parent_of(catalog), value))    # (absolute: as it is)

    def _read_from(self, key: str) -> bool:
        """Whether the trace read a file of package (or unit) key."""
        return any(m in self._traced for m in self.units.units[key].members)

    def _add_catalog_file(self, path: str, why: str) -> None:
        """A file a catalog names, with its package's bounds where it has one."""
        if path not in self.closure.kept and self.units.is_file(path):
            key = self.units.package_of.get(path)
            if key is not None:
                self._keep_files(self.units.units[key], [path], why)
            else:
                self.closure.add(path, why)

    def _catalog_tree(self, catalog: str, directory: str, why: str) -> None:
        """The files of a catalog's package (of the directory's, for a
        catalog of none) under a tree the catalog rewrites names to, but its
        programs (docbook-xsl's fo/pdf2index would bring Perl); over
        CATALOG_TREE_LIMIT, said as left out."""
        if not self.units.is_dir(directory):
            return
        key = self.units.package_of.get(catalog)
        keys = [key] if key is not None else sorted(
            k for k in self.units.dir_owners.get(directory, set()) if self._read_from(k))
        for k in keys:
            unit = self.units.units[k]
            files = [m for m in self._package_members(unit) if m.startswith(directory + "/")
                     and m not in self.closure.kept and not self.units.is_program(m)]
            self._keep_files_within(unit, files, why, CATALOG_TREE_LIMIT,
                                    f"under {directory}, {why}", "a catalog's tree")

    def _sibling_data(self, traced: dict[str, str]) -> None:
        """The other data packages that put files of the same kind (the
        same suffix) into the directory of a data package's file the
        workload read: a program picks among them by a name it is given.
        Tesseract reads tessdata/<language>.traineddata for `-l deu`, one
        package per language: with only eng kept, `-l deu` failed, and `-l
        eng+deu` read German with the English model, status 200. Not a
        directory of translations, documentation, fonts (kept whole once
        one is used) or a language's library."""
        seen: set[str] = set()
        for path in sorted(traced):
            key = self.units.package_of.get(path)
            directory = parent_of(path)
            if key is None or directory in seen or not self.units.is_data_package(self.units.units[key]):
                continue
            seen.add(directory)
            if is_system_dir(directory) or is_documentation(directory + "/") or TRANSLATION.match(path) \
                    or directory.startswith(FONT_PREFIXES) \
                    or self.units.in_language_dir(path):
                continue
            suffix = posixpath.splitext(path)[1]
            others = {self.units.package_of[c] for c in self.units.children(directory)
                      if c in self.units.package_of and posixpath.splitext(c)[1] == suffix} - {key}
            if others and all(self.units.is_data_package(self.units.units[k]) for k in others):
                for k in sorted(others):
                    self._use(k, f"beside {path}, in {directory}, where a program picks one of them by name")

    def _module_dir(self, directory: str) -> bool:
        """Whether a shared object loaded from directory was one module of
        many a program picks by name (ImageMagick's coders, one per image
        format; glibc's gconv converters; PAM's and SASL's modules): not a
        directory ld.so finds libraries in by name, nor a language's own
        (its import rules keep its extensions), and other shared objects
        beside it. With only png.so kept, `convert in.png out.jpg` wrote
        PNG data to out.jpg and exited 0."""
        final = self._directory(directory)
        if final is None or LIB_DIR.match(final) or self.units.in_language_dir(final):
            return False
        return sum(1 for p in self.units.children(final) if MODULE.search(posixpath.basename(p))) > 1

    def _directory(self, path: str) -> str | None:
        """The directory path leads to, past its links; None if none."""
        final = self._final(path)
        return final if final is not None and self.units.is_dir(final) else None

    def _final(self, path: str) -> str | None:
        """What path leads to, past its links; None if nothing (or a loop)."""
        try:
            return self.closure.fs.walk(path).final
        except SymlinkLoop:
            return None

    def _time_zones(self, why: str) -> None:
        """The unit of the time zone database, whole (its package, or the
        tree when no package owns it)."""
        for p in self.units.subtree(ZONEINFO)[1:]:
            for key in self.units.units_of(p):
                self._use(key, f"the time zone database: {why}")
            if self.units.units_of(p):
                return

    def _generated_locales(self, programs: list[str], languages: set[str]) -> None:
        """The locales of the image (libc's C.utf8, locale-gen's archive),
        once a program that ran, or a library loaded, calls setlocale: the
        next run is asked for one by LANG. An R job probed in the C locale,
        run with LANG=de_DE.UTF-8, printed "Setting LC_CTYPE failed, using
        "C"" and English dates, exit 0, its German translations kept and
        never shown. Tomcat run with LANG=C.UTF-8 had Java fall back to
        ASCII (libjava calls setlocale, not the java launcher): a JSP
        writing a Japanese file name failed, status 200."""
        directory = self._directory(LOCALES)
        if directory is None or not self.units.children(directory):
            return
        loaded = [p for p in self._kept_libraries() if p in self._in_trace]
        for path in [*programs, *loaded]:
            final = self._final(path)
            if final is not None and SETLOCALE in self._imports(final, (SETLOCALE,)):
                names = ", ".join(sorted(languages)) or "C.utf8"
                why = f"the locales of the image ({names}): {final} calls setlocale, and LANG picks one"
                self._whole_dirs.setdefault(LOCALES, why)
                # with their aliases (LANG=german), and the command that
                # lists them (`locale -a`)
                for alias in LOCALE_ALIASES:
                    if alias not in self.closure.kept and self.units.stats.get(alias) is not None:
                        self.closure.add(alias, why)
                self._keep_programs(["locale"], why)
                return

    def _resolver_files(self) -> None:
        """The resolver's files of the image (RESOLVER_FILES, each a few
        bytes), once a kept program or library looks host names up: a
        probe that resolved no name never read them."""
        files = [f for f in RESOLVER_FILES if f not in self.closure.kept and (st := self.units.stats.get(f))
                 and stat.S_ISREG(st.st_mode) and st.st_size <= META_LIMIT]
        if not files:
            return
        for path in sorted(self.closure.kept):
            if not (SHARED_OBJECT.search(posixpath.basename(path)) or self.units.is_program(path)):
                continue
            if found := self._imports(path, RESOLVER_FUNCTIONS):
                for f in files:
                    self.closure.add(f, f"the resolver's configuration: {path} looks host names up "
                                        f"({min(found)})")
                return

    def _translations(self) -> None:
        """The translations into the languages in use of every package a
        program or library of which is kept, of a package of translations
        alone built from the same source as one (glibc's libc-l10n, beside
        libc6), and of the message domain a kept program or library names:
        a package kept whole brings its own already, not a program kept
        alone nor the C library. Under LANG=de_DE.UTF-8 a minified sshd
        image answered in half English: strerror's messages (libc.mo),
        PAM's (Linux-PAM.mo, libpam-runtime's), passwd's (shadow.mo)."""
        if not self._languages:
            return
        binaries = [p for p in sorted(self.closure.kept) if not p.startswith("/etc/")   # (an init script)
                    and (SHARED_OBJECT.search(posixpath.basename(p)) or self.units.is_program(p))]
        kept_packages = {k for p in binaries if (k := self.units.package_of.get(p))}
        sources = {self.units.package_source.get(k) for k in kept_packages} - {None}
        for key in sorted(self.units.units):
            unit = self.units.units[key]
            if unit.kind not in PACKAGE_KINDS:
                continue
            files = [m for m in unit.members if not self.units.is_dir(m)]
            alone = bool(files) and all(TRANSLATION.match(m) or is_documentation(m) for m in files)
            if key not in kept_packages and not (alone and self.units.package_source.get(key) in sources):
                continue
            for m in files:
                t = TRANSLATION.match(m)
                if t and t.group(1) in self._languages and m not in self.closure.kept:
                    self.closure.add(m, f"a translation of {unit.name} into {t.group(1)}, a language in use")
        # and by the message domain a kept program or library names,
        # whichever package holds its catalogues (libpam's "Linux-PAM")
        catalogues: dict[str, list[str]] = {}
        for p in self.units.paths:
            if (t := TRANSLATION.match(p)) and t.group(1) in self._languages and p.endswith(".mo") \
                    and p not in self.closure.kept:
                catalogues.setdefault(posixpath.basename(p)[:-3], []).append(p)
        if not catalogues:
            return
        for p in binaries:
            # (one that translates its messages: /usr/bin/file names "tar",
            # of its magic, and brought tar's catalogues, 2.2 MB, with tar
            # itself not kept)
            if self._final(p) != p or not self._imports(p, GETTEXT_FUNCTIONS):
                continue
            for domain in sorted(self._data_words_of(p) & catalogues.keys()):
                for m in catalogues.pop(domain):
                    self.closure.add(m, f"a translation into a language in use of the messages of {p} "
                                        f"({domain})")

    def _generated_languages(self) -> set[str]:
        """The languages of the locales generated in the image (see
        micropack.locales): in glibc's archive, or a directory each."""
        out: set[str] = set()
        directory = self._directory(locales.LOCALE_DIR)
        for p in self.units.children(directory) if directory else []:
            if self.units.is_dir(p):
                out |= locales.languages(posixpath.basename(p))
            elif locales.ARCHIVE.match(p):
                try:
                    with self.closure.fs.open_file(p, hold=False) as fh:
                        names = locales.archive_names(fh)
                    out |= {lang for name in names for lang in locales.languages(name)}
                except (OSError, SymlinkLoop):
                    continue
        return out

    def _fonts(self) -> None:
        """Every font and fontconfig's setup, once fonts are in use: a font
        or fontconfig was read, or fontconfig is kept (a program kept as
        if run loads it when it first draws text)."""
        if not self._fonts_why:
            kept = next((p for p in sorted(self.closure.kept) if FONTCONFIG.search(p)), None)
            if kept is None:
                return
            self._fonts_why = f"{kept} is kept"
        for d in FONT_DIRS + FONT_SETUP_DIRS:
            if self._directory(d) is not None:
                self._whole_dirs.setdefault(d, f"fonts are picked by name when text is drawn "
                                               f"({self._fonts_why})")

    def _links_to_kept(self) -> None:
        """The links of the image, in a directory that is kept, to a file or
        directory that is kept: nothing to lose, and another name for what
        is there. The links on the command path (update-alternatives'
        /usr/bin/keytool -> /etc/alternatives/keytool -> the JDK's: no
        package owns them, so the JDK kept whole for the java that ran
        still had no keytool on PATH); the hierarchy's /var/run -> /run
        and /var/lock -> /run/lock (`varnishd -P /var/run/varnishd.pid`:
        "Could not open pid-file", exit 2); OpenSSL's default CA file,
        /usr/lib/ssl/cert.pem, a link to the bundle kept for TLS (Python's
        default context loaded no authority, exit 0). And a package's own
        link in /etc to a kept file of it, wherever it is: what enables a
        fragment the package ships elsewhere (libasound2-plugins'
        /etc/alsa/conf.d/50-pulseaudio.conf, to its file in
        /usr/share/alsa/alsa.conf.d: its modules and those files were kept,
        the links were not, and ALSA's pulse device was unknown, unsaid)."""
        # the directories the image will have: the command path's too
        # (/usr/local/bin/keytool, a link to the JDK's, where nothing else is)
        present = {"/", *self._path_dirs()}
        for k in self.closure.kept:
            while k not in present:
                present.add(k)
                k = parent_of(k)
        for p in self.units.paths:
            st = self.units.stats.get(p)
            if p in self.closure.kept or st is None or not stat.S_ISLNK(st.st_mode):
                continue
            final = self._final(p)
            if final is None or final == p:
                continue
            if parent_of(p) in present and (final in self.closure.kept or final in present):
                self.closure.add(p, f"a link to {final}, which is kept")
            elif p.startswith("/etc/") and final in self.closure.kept \
                    and (owner := self.units.package_of.get(p)) is not None \
                    and owner == self.units.package_of.get(final):
                self.closure.add(p, f"{owner.split(':', 1)[1]}'s link to {final}, which is kept")

    def _trigger_indexes(self) -> None:
        """What a package's file trigger builds in the directory it watches
        (or in the package's directory above it) from what other packages
        put there: no package owns it, and a program that uses the package
        reads it, not the sources. For a package with a file kept, and for
        one such a package depends on: GLib aborts every program that asks
        for a setting ("No GSettings schemas are installed": GStreamer's
        souphttpsrc, through GIO's proxy resolver) without libglib2.0-0's
        gschemas.compiled; gdk-pixbuf guesses an image's type from
        shared-mime-info's mime.cache (its dependency: no BMP or TIFF was
        read). Its regular files, at most COMPANION_LIMIT a package."""
        in_use = self._packages_kept()
        wanted = in_use | {d for key in in_use for d in self.units.package_deps.get(key, [])}
        for key in sorted(wanted & self.units.package_triggers.keys()):
            unit = self.units.units.get(key)
            if unit is None:
                continue
            made: dict[str, str] = {}       # a file -> the directory the trigger watches
            for watched in self.units.package_triggers[key]:
                if is_system_dir(watched) or is_documentation(watched + "/") \
                        or not self.units.is_dir(watched):
                    continue
                above = parent_of(watched)
                for d in (watched, above) if above in unit.dirs and not is_system_dir(above) else (watched,):
                    for p in self.units.children(d):
                        st = self.units.stats.get(p)
                        if p not in self.units.package_of and p not in self.closure.kept \
                                and st is not None and stat.S_ISREG(st.st_mode):
                            made.setdefault(p, watched)
            if made and sum(self._file_sizes(made)) <= COMPANION_LIMIT:
                for p, watched in sorted(made.items()):
                    self.closure.add(p, f"made by {unit.name}'s trigger on {watched} (used: {unit.name})")

    def _mime_types(self) -> None:
        """Python's mimetypes reads /etc/mime.types on its first guess, long
        after it was imported: the file, once the module is kept (guesses
        came back None, status 200). So does a Go program that links
        mime's initMime (Caddy with no package to bring media-types served
        .woff2, .csv, .mp4 with no Content-Type, status 200)."""
        readers: list[tuple[tuple[str, ...], str]] = []
        if any(p.endswith("/mimetypes.py") and self.units.in_language_dir(p) for p in self.closure.kept):
            readers.append((MIME_TYPES_FILES, "read by Python's mimetypes on its first guess"))
        if self._mime_reader:
            readers.append((GO_MIME_GLOBS + MIME_TYPES_FILES, self._mime_reader))
        for files, why in readers:
            for p in files:
                if p not in self.closure.kept and self.units.stats.get(p) is not None:
                    self.closure.add(p, why)

    def _file_sizes(self, paths: Iterable[str]) -> list[int]:
        """The sizes of the regular files among paths."""
        return [st.st_size for p in paths if (st := self.units.stats.get(p)) and stat.S_ISREG(st.st_mode)]

    def _terminal_database(self) -> None:
        """The terminal database, once a curses library is kept (see
        TERMINAL_LIBRARY): read at a tool's first start on a terminal,
        which a probe never has."""
        library = next((p for p in sorted(self.closure.kept) if TERMINAL_LIBRARY.search(p)), None)
        if library is None:
            return
        why = f"the terminal database, which {library} reads the entry of $TERM from"
        for directory in TERMINFO_DIRS:
            final = self._directory(directory)
            if final is None:
                continue
            if sum(self._file_sizes(self.units.subtree(final))) <= TERMINFO_WHOLE:
                self._whole_dir(directory, why)
                continue
            for name in COMMON_TERMINALS:
                entry = f"{directory}/{name[0]}/{name}"
                if entry not in self.closure.kept and self._final(entry):
                    self.closure.add(entry, why)

    def _whole_dir(self, directory: str, why: str) -> None:
        """Everything under a directory a program picks from by name (see
        GCONV_DIR, _module_dir): the next run names another converter,
        module or locale. The
        packages' files under it (libc6 is a package of libraries, whose
        other modules stay out otherwise) and the unowned ones
        (locale-archive, made by locale-gen)."""
        final = self._directory(directory)
        if final is None:
            return
        skipped = tuple(f"{final}/{d}/" for d in TEX_NOT_LOOKED_UP) if directory in self._tex_trees else ()
        why = f"under {final}: {why}"
        # (a module the next input loads may bring more, from the directory's pool)
        pool = final if directory in self._module_dirs and self._modules_chosen_by_input(final) else ""
        if pool:
            self._module_pools.setdefault(pool, MODULE_LIMIT)
        for key in sorted(self.units.dir_owners.get(final, set())):
            unit = self.units.units[key]
            files = [m for m in unit.members if m.startswith(final + "/") and not m.startswith(skipped)
                     and not is_documentation(m) and not m.endswith(STATIC_LIBRARY)]
            self._keep_files(unit, files, why, pool)
            self.result.used.setdefault(key, why)
            if directory in CA_DIRS and any(not self.units.is_dir(m) for m in files):
                self._ca_tool(key, final, why)
            if directory in self._module_dirs:
                self._module_configuration(unit, final)
                # and each module's data directory, as a program's: Kamailio's
                # db_sqlite.so and kamailio-sqlite-modules' /usr/share/kamailio/
                # db_sqlite, the schema `kamdbctl create` reads ("no such table")
                modules = {posixpath.basename(m).split(".so")[0] for m in unit.members
                           if parent_of(m) == final and self._is_module(m)}
                self._program_data(unit, modules, why)
        for p in self.units.subtree(final)[1:]:
            if p not in self.units.package_of and p not in self.closure.kept and not p.startswith(skipped) \
                    and not p.endswith(STATIC_LIBRARY):
                self.closure.add(p, why)

    def _modules_chosen_by_input(self, directory: str) -> bool:
        """Whether a program loaded a module from directory, and no kept
        file of /etc names one it loaded: the next input picks the next
        module (ImageMagick's coders, Graphviz's plugins), and a module
        left out may fail with nothing said. Where the configuration
        chooses them (Apache's mods-enabled/dav_svn.load names
        mod_dav_svn.so), another comes with the line that names it, and the
        program says at its start when it cannot load one: no pool for them
        (mod_proxy_html's 37.5 MB of ICU)."""
        loaded = {posixpath.basename(p) for p in self._in_trace
                  if parent_of(p) == directory and self._is_module(p)}
        if not loaded or directory in self._needed_dirs():
            return False
        # (by its file's name, or by the name its file's decorations wrap:
        # Dovecot's `mail_plugins = quota` loads lib10_quota_plugin.so)
        bases = {name.split(".so")[0] for name in loaded}
        stems = {stem for base in bases if (stem := MODULE_STEM.sub("", base)) != base and len(stem) > 2}
        names = "|".join(map(re.escape, sorted(loaded | stems)))
        named = re.compile(rf"(?<![\w.+-])(?:{names})(?![\w.+-])")
        return not any(named.search(text) for text in self._etc_texts().values())

    def _needed_dirs(self) -> set[str]:
        """The directories of the libraries the programs that ran need
        (DT_NEEDED, found by their RUNPATH or ld.so's): libraries, not
        modules picked by name (Dovecot's /usr/lib/dovecot, on its
        programs' RUNPATH, holds libdovecot-fts, which needs 40 MB of ICU)."""
        if self._needed is None:
            self._needed = {parent_of(f) for p in self._executed() if (final := self._final(p))
                            for n in self.closure.needs(final)
                            if not n.missing and (f := self._final(n.path))}
        return self._needed

    def _etc_texts(self) -> dict[str, str]:
        """The text of each kept regular file of /etc (read once a file)."""
        for p in self.closure.kept:
            if p.startswith("/etc/") and p not in self._etc_text:
                st = self.units.stats.get(p)
                text = self.units.read_text(p) if st is not None and stat.S_ISREG(st.st_mode) else None
                self._etc_text[p] = text or ""
        return self._etc_text

    def _module_configuration(self, unit: Unit, directory: str) -> None:
        """The configuration files a package of modules in directory ships
        in a directory of /etc, as installed: what the module reads once a
        configuration loads it. pdns-backend-bind's bind backend came (the
        sqlite one was loaded from the same directory) without its
        /etc/powerdns/named.conf, and `launch+=bind` with
        `bind-config=/etc/powerdns/named.conf`, as Debian ships it, stopped
        the whole server at its start. Only in a directory of /etc the
        workload read configuration from; not the files at /etc's top
        (libc6's gai.conf beside its character set converters)."""
        for m in unit.members:
            st = self.units.stats.get(m)
            top = "/".join(m.split("/")[:3])       # its directory of /etc: /etc/powerdns
            if m in self.units.conffiles and parent_of(m) != "/etc" and m not in self.closure.kept \
                    and st is not None and stat.S_ISREG(st.st_mode) and st.st_size <= META_LIMIT \
                    and top in self._configuration_read():
                self.closure.add(m, f"configuration of {unit.name}, whose modules in {directory} "
                                    f"a program may load by name")

    def _configuration_read(self) -> set[str]:
        """The directories of /etc (one level down) a file of which the
        trace read: a program's own (/etc/powerdns), not the scheduler's
        or the init scripts' a module package may ship files in."""
        if self._etc_read is None:
            self._etc_read = {"/".join(p.split("/")[:3]) for p in self._in_trace
                              if p.startswith("/etc/") and p.count("/") >= 3}
        return self._etc_read

    def _tool_data(self, traced: dict[str, str]) -> None:
        """A data package a command of the application's scripts read is
        kept whole: tools take other arguments next time (date, TZ=...)."""
        if not self._tools:
            return
        if self.activity is not None:
            read = set().union(*(paths for comm, paths in self.activity.read_by.items()
                                 if comm in {t[:15] for t in self._tools}))
        else:
            read = set(traced)
        for path in sorted(read):
            final = self._final(path)
            key = self.units.package_of.get(final or "")
            if key and self.units.is_data_package(self.units.units[key]):
                self._use(key, f"{final}, read by a command of the application's scripts")

    def _modules_own_files(self, traced: dict[str, str]) -> None:
        """A file of its own package that a module the workload loaded
        names by an absolute path in a string: SpamAssassin's
        Mail/SpamAssassin.pm copies /usr/share/spamassassin/user_prefs.template
        to a user's first preferences; no probe was a user's first, it was
        left out, and spamd and `spamassassin -t` then made none ("failed
        to create default user preference file"), their scans exit 0. Its
        own package's only (what it names of another is that one's
        business), and data: not documentation nor code, which loads as
        code does."""
        for path in sorted(traced):
            final = self._final(path)
            if final is None or not final.endswith(CODE_SUFFIXES):
                continue
            own = self.units.package_of.get(final)
            text = self.units.read_text(final) if own is not None else None
            for named in code_paths(text or ""):
                target = self._final(named)
                if target is None or not self.units.is_file(target) \
                        or self.units.package_of.get(target) != own or named in self.closure.kept \
                        or is_documentation(target) or target.endswith(CODE_SUFFIXES):
                    continue
                self.closure.add(named, f"named by {final}, of the same package")

    # -- keeping ----------------------------------------------------------------

    def _keep_files(self, unit: Unit, members: list[str], why: str, pool: str = "") -> None:
        # A language's library is one piece: its compiled modules are no
        # optional plugin, whatever they need (lxml kept without
        # etree.so, whose libxml2, libxslt and ICU were 36.9 MB of packages
        # nothing else used: `import lxml.etree` failed)
        limit = unit.kind in PACKAGE_KINDS or unit.kind == "tree"
        # A package kept for its scheduled job, which reads its data: its
        # programs the job does not run (kept before, as commands) only
        # where they need no package nothing uses. apt and dpkg, kept for
        # their daily jobs beside a web application, brought apt's download
        # methods with GnuTLS (6.2 MB) and perl for a dselect method and
        # dpkg-fsys-usrunmess (3.8 MB), which no job runs.
        for_job = unit.key in self._for_jobs and self.level == "unit"     # (package: every package whole)
        for m in members:
            if m in self.closure.kept:
                continue
            # (through a link too: apt's methods/https is one to http)
            program = for_job and self.units.is_program(self._final(m) or "")
            most = 0 if program else FOREIGN_LIMIT
            reason = self._refuse(m, limit, most, "" if program else pool)
            self.result.unrun_programs.pop(m, None)     # (queued again: used for itself now)
            if reason is None:
                self.closure.add(m, why)
                continue
            refusal = Refusal(why, limit, most, unit.label, program, "" if program else pool)
            # (asked again under the loosest bounds it was asked under: a
            # package kept for a job first, then used for itself)
            earlier = self._refused.get(m)
            if earlier is None or most > earlier.most or (earlier.program and not program):
                self._refused[m] = refusal
            self._say_refused(m, refusal, reason, first=True)

    def _say_refused(self, path: str, refusal: Refusal, reason: str, first: bool = False) -> None:
        """Why path is left out, in the report (result.left_out, or
        unrun_programs for a program of a job's package); first: when
        _keep_files asks, whose left_out reason stands against a later
        one's (_refused_again's replaces it)."""
        if refusal.program:
            self.result.unrun_programs[path] = f"{refusal.label}: a program its job does not run; {reason}"
        elif first:
            self.result.left_out.setdefault(path, f"{refusal.label}: {reason}")
        else:
            self.result.left_out[path] = f"{refusal.label}: {reason}"

    def _refused_again(self) -> bool:
        """The files _keep_files left out, asked again now that the rest is
        kept: what one needed may have come since, for another file. Calc's
        import filter for Lotus, Works and Quattro Pro files,
        libwpftcalclo.so, was left out for 17.5 MB of libraries (libwps,
        libmwaw, ...) that the filters of Draw, Impress and Writer beside it,
        kept after it in the same directory, brought anyway: every such
        spreadsheet failed, "source file could not be loaded", exit 0. Again
        while one comes."""
        came, any_came = True, False
        while came:
            came = False
            for path, refusal in sorted(self._refused.items()):
                if path in self.closure.kept:
                    continue
                # (why it is still left out, counted against what is kept
                # now: Graphviz's gd plugin was said to need libstdc++6 and
                # libwebp7, "packages the workload never used", which the
                # image kept for others)
                if reason := self._refuse(path, refusal.limit, refusal.most, refusal.pool):
                    self._say_refused(path, refusal, reason)
                    continue
                self.closure.add(path, refusal.why)
                self.result.left_out.pop(path, None)
                self.result.unrun_programs.pop(path, None)
                came = any_came = True
        return any_came

    def _package_members(self, unit: Unit) -> list[str]:
        """A package's files worth keeping: not its documentation, nor
        translations of languages not in use; a package of shared libraries
        brings only plugin directories a used library of it sits in."""
        program = self.units.is_program_package(unit)
        used_dirs = {parent_of(m) for m in unit.members
                     if m in self.closure.kept and SHARED_OBJECT.search(posixpath.basename(m))}
        out = []
        for m in unit.members:
            if is_documentation(m) or self._unused_translation(m):
                continue
            if not program and SHARED_OBJECT.search(posixpath.basename(m)):
                d = parent_of(m)
                if LIB_DIR.match(d) or d not in used_dirs:
                    continue
            elif not program and self.level == "unit" and self.units.in_language_dir(m) \
                    and not self.units.in_private_site(m):
                # a language's library: its own units keep what is used
                # (libpython3.11-stdlib); not a package's private modules
                # beside its data (lilypond-data's python/: midi2ly's `import
                # midi`, in a function, "No module named 'midi'")
                continue
            out.append(m)
        return out + [d for d in unit.dirs if not is_documentation(d + "/")
                      and not LIB_DIR.match(d) and not is_system_dir(d)]

    def _unused_translation(self, path: str) -> bool:
        """path is a translation into a language not in use."""
        return (t := TRANSLATION.match(path)) is not None and t.group(1) not in self._languages

    def _packages_kept(self) -> set[str]:
        """The packages a file of which is kept so far."""
        return {key for p in self.closure.kept if (key := self.units.package_of.get(p))}

    def _kept_library_names(self) -> set[str]:
        """The file names of the shared objects kept so far. A plugin that
        needs libcore.so with no path of its own to find it is loaded into
        a program that loaded libcore.so through its RUNPATH already: ld.so
        takes the one loaded, by name (the SONAME), and so is kept."""
        if self._library_names[0] != len(self.closure.kept):
            names = {posixpath.basename(k) for k in self.closure.kept
                     if SHARED_OBJECT.search(posixpath.basename(k))}
            self._library_names = (len(self.closure.kept), names)
        return self._library_names[1]

    def _refuse(self, path: str, limit: bool = True, most: int = FOREIGN_LIMIT, pool: str = "") -> str | None:
        """Why a file a unit brings (never traced) is left out: what it needs
        is missing, or (with limit) would pull in more than most bytes of
        packages the workload never used. None when it can be kept; one
        that comes for more than most, from the pool of its directory of
        modules (MODULE_LIMIT for them all), takes its bytes from it."""
        seen: set[str] = set()
        foreign: dict[str, int] = {}
        todo: list[tuple[str, list[str], str | None]] = [(path, [], None)]
        # (a library found by no path of its own: ld.so takes one of that
        # name that is loaded already, by what is kept or by this file's
        # own libraries: systemd's libsystemd-core needs libsystemd-shared,
        # which only /lib/systemd/systemd's RUNPATH finds)
        unfound: list[str] = []
        loaded: set[str] = set()
        while todo:
            p, rpath, origin = todo.pop()
            try:
                final = self.closure.fs.walk(p).final
            except SymlinkLoop:
                return f"{p} is a symlink loop"
            if final is None:
                if p == path:
                    return None      # a dangling link: kept as the unit has it
                return f"needs {p}, which the source does not have"
            loaded |= {posixpath.basename(p), posixpath.basename(final)}
            if final in seen:
                continue
            seen.add(final)
            st = self.closure.fs.lstat(final)
            if st is None or not stat.S_ISREG(st.st_mode):
                continue
            if final != path:
                if final in self.closure.kept:
                    continue
                key = self.units.package_of.get(final)
                if key is not None and key not in self.result.used:
                    foreign[key] = foreign.get(key, 0) + st.st_size
            for need in self.closure.needs(final, rpath, origin):
                if not limit and p == path and need.why.startswith("interpreter of script"):
                    continue    # a language's module is imported, not run (cgi.py's #!/usr/local/bin/python)
                if need.missing:
                    unfound.append(need.path)
                    continue
                todo.append((need.path, need.rpath, need.origin))
        for name in unfound:
            if name not in loaded and name not in self._kept_library_names():
                return f"needs {name}, which the source does not have"
        total = sum(foreign.values())
        if limit and total > most and pool and total <= self._module_pools.get(pool, 0):
            self._module_pools[pool] -= total
            return None
        if limit and total > most:
            names = ", ".join(k.split(":", 1)[1] for k, _ in sorted(foreign.items(), key=lambda x: -x[1]))
            size = f"{total / 1e6:.1f} MB of " if most else ""
            return f"needs {size}packages the workload never used ({names}): left out (--include keeps it)"
        return None

    # -- what the application's own code names ------------------------------------

    def _scan_code(self, tree: Unit) -> None:
        """Shell scripts name commands, Python files imports, JavaScript
        files modules, Ruby, Perl, Lua, Erlang and PHP files libraries, and
        code files by path in their strings: keep what they name, as if
        traced. Code that sets TZ brings the time zone database."""
        py: dict[str, str] = {}        # the Python files, read already
        for m in tree.members:
            st = self.units.stats.get(m)
            if st is None or not stat.S_ISREG(st.st_mode) or st.st_size > META_LIMIT:
                continue
            if never_run(m):
                # (never run: a Hugo site's .git, `git init`'s samples, brought
                # git, perl and 110 Perl units, 88.7 MB, to a site of 64 MB)
                continue
            if not (m.endswith(CODE_SUFFIXES) or st.st_mode & 0o111 or m.endswith(".sh")):
                continue
            text = self.units.read_text(m)
            if text is None:
                continue
            head = text[:256].encode("utf-8", "surrogateescape")
            shell = is_shell_script(head, m)
            if not (shell or m.endswith(CODE_SUFFIXES) or text.startswith("#!")):
                continue        # a program's bytes, not code
            self._code_picks_by_name(m, text)
            self._fonts_code_names(m, text)
            if shell:
                self._shell_script(m, text, f"script {m}")
                continue
            language = script_language(head, m)
            # the programs it runs (Ruby, Perl and PHP have backticks too)
            backticks = language in BACKTICK_LANGUAGES
            self._code_paths(m, text)
            words = code_commands(text, backticks) + (tcl_commands(text) if language == "tcl" else [])
            self._keep_commands(words, f"code {m}")
            python = m.endswith(PYTHON_SUFFIXES) or is_python_script(head)
            if runs_given_commands(text, "python" if python else "node" if m.endswith((".js", ".mjs", ".cjs"))
                                   else language):
                self._toolbox(f"{m} runs a command it is given")
            if python:
                py[m] = text        # (an app's program without .py too: bin/server)
            elif m.endswith((".js", ".mjs", ".cjs")):
                for key in self.units.node_dependencies(parent_of(m), js_requires(text)):
                    self._use(key, f"required by {m}")
            elif language:
                self._load_libraries(m, text, language)
        package_json = json_object(self.units.read_text(tree.name + "/package.json"))
        for key in self.units.node_dependencies(tree.name, _node_deps(package_json)):
            self._use(key, f"a dependency in {tree.name}/package.json")
        # its npm scripts, command lines its users run (`npm test`, `npm run
        # build`), read as the application's shell scripts
        scripts = package_json.get("scripts")
        if isinstance(scripts, dict):
            lines = [v for v in scripts.values() if isinstance(v, str)]
            if lines:
                self._shell_script(f"{tree.name}/package.json", "\n".join(lines),
                                   f"the scripts of {tree.name}/package.json", whole=False)
        self._scan_python(list(py), texts=py)

    def _installed_config(self, unit: Unit) -> None:
        """What a package's installation made in its own configuration
        directories, which no package owns: fontconfig-config's postinst
        links 10-hinting-slight.conf into /etc/fonts/conf.d, and without it R's
        PNG plots were drawn otherwise, exit 0. And beside a directory of
        its modules, the index a trigger made of them: gdk-pixbuf finds its
        image loaders (loaders/*.so) through loaders.cache, and without it
        rsvg-convert drew an SVG's embedded GIF, BMP or TIFF as nothing,
        exit 0. And in its directories of state under /var/lib, what its
        installation generated: Ghostscript's cidfmap, the map of the CJK
        fonts installed (update-gsfontmap writes it in
        /var/lib/ghostscript/fonts, on Ghostscript's font path): without it
        Japanese PostScript was drawn in Courier, exit 0. Under /var/lib,
        also in the directories below it that no package owns, while they
        are small (STATE_TREE_LIMIT): a2enmod keeps which modules the admin
        and which the maintainer scripts enabled as empty files in
        /var/lib/apache2/module/enabled_by_admin/, and `a2query -m` said
        "enabled by unknown" of every module without them."""
        modules = {parent_of(m) for m in unit.members if MODULE.search(posixpath.basename(m))}
        beside = modules | {parent_of(d) for d in modules}
        for d in unit.dirs:
            if is_system_dir(d) or LIB_DIR.match(d) or d.startswith(PACKAGE_STATE) \
                    or not (d.startswith(("/etc/", "/var/lib/")) or d in beside):
                continue
            made = []
            for p in self.units.children(d):
                st = self.units.stats.get(p)
                if p in self.closure.kept or p in self.units.package_of or st is None:
                    continue
                if stat.S_ISLNK(st.st_mode) or stat.S_ISREG(st.st_mode):
                    made.append(p)
                elif stat.S_ISDIR(st.st_mode) and d.startswith("/var/lib/") and not self.units.owned(p):
                    tree = self.units.subtree(p)
                    entries, size = STATE_TREE_LIMIT
                    if len(tree) <= entries and sum(self._file_sizes(tree)) <= size:
                        made += [q for q in tree if q not in self.closure.kept]
            for p in made:
                self.closure.add(p, f"made in {d}, a directory of {unit.label}, when it was installed")

    def _package_scripts(self, members: list[str], runs_next: bool = False) -> None:
        """The libraries a package's Perl, Ruby and Python programs load
        (those at their top level, for Python), when the package is kept
        for a program of it: a2enmod, beside the apache2 that ran, said
        "Can't locate strict.pm". And the commands its shell scripts run:
        git's own subcommands are shell scripts (submodule, bisect,
        filter-branch, mergetool) and so are the hooks users enable from
        its samples; with git kept whole and no coreutils, sed or grep,
        `git submodule` failed ("basename: not found"), `mergetool
        --tool-help` listed no tool, exit 0, and the sample pre-commit
        hook, its `tr` and `wc` missing, let a commit it rejects through.
        The commands its other programs run too, each alone, when they are
        of a package it depends on or of an Essential one (which packages
        use without saying so): a2enmod, a Perl script, runs `find` in
        backticks to clear a module's old state, and printed "find: not
        found" at every module it enabled, leaving the module marked both
        disabled and enabled. (Any command: python3's py3versions falls back
        on apt-cache, which brought apt and its libraries, 14 MB on Flask's
        image.) The libraries, only when a program of the package ran: one
        kept for a command the application names loads that command's
        (_named_script), not its siblings' (a supervisord program's
        `shasum` kept perl whole, and its other scripts' modules, cpan's,
        enc2xs's, corelist's, were 26 MB). runs_next: a package of programs
        its suite runs next (_suite_directories), whose libraries come too
        (munin-plugins-extra's plugins use Net::Ping, Tie::File, FindBin:
        enabled, memcached_ and zimbra_ did not compile)."""
        ran = self._executed()
        # (by the file it ran: /usr/bin/ruby, package ruby's link, ran
        # ruby3.1's /usr/bin/ruby3.1, whose binstubs erb and racc3.1 then
        # lost their gems, LoadError)
        loads = runs_next or any(m in ran or m in self._ran_finals() for m in members)
        for m in members:
            st = self.units.stats.get(m)
            if st is None or not stat.S_ISREG(st.st_mode) or not st.st_mode & 0o111 \
                    or m not in self.closure.kept:
                continue
            if runs_next and not self._is_script(m) and self.units.is_program(m):
                # (what it names by path, as a program kept alone: Icinga's
                # check_load runs /usr/bin/uptime, "could not parse load")
                self._suite_programs.setdefault(m)
            if st.st_size > META_LIMIT:
                continue
            text = self.units.read_text(m)
            if text is None or not text.startswith("#!"):
                continue
            self._configuration_named(m, text, data_too=True)
            head = text[:256].encode("utf-8", "surrogateescape")
            language = script_language(head, m)
            if is_shell_script(head, m):
                self._shell_script(m, text, f"script {m}, of a kept package of programs", whole=False)
            elif language or is_python_script(head):
                if loads:
                    self._script_libraries(m, text, language, is_python_script(head))
                words = code_commands(text, language in BACKTICK_LANGUAGES)
                self._keep_programs(self._commands_it_may_run(m, words, said=runs_next),
                                    f"code {m}, of a kept package of programs")
        # and its modules, outside a language's directories and the
        # commands', in the language of a script of it that ran, which it
        # loads from its own: Prosody's util/sql.lua, in /usr/lib/prosody,
        # requires DBI (lua-dbi-common): with SQL storage set, "module 'DBI'
        # not found", a null store, and every login refused. (Not another
        # language's: PostgreSQL's pgxs test modules, Perl, beside a server
        # of C, brought 15.7 MB of Perl modules.)
        languages = {self._script_language(m) for m in members if m in ran}
        # (or that a program of it loaded: kresd, of C, embeds LuaJIT and
        # reads its kres_modules/*.lua, whose experimental_dot_auth requires
        # basexx: `modules.load('experimental_dot_auth')` failed)
        languages |= {_code_language(m) for m in members if m in self._traced
                      and m.endswith(CODE_SUFFIXES) and not self.units.in_language_dir(m)}
        languages -= {None, "php"}
        if not languages:
            return
        modules: dict[str, list[str]] = {}
        for m in members:
            if m in self.closure.kept and m.endswith(CODE_SUFFIXES) and parent_of(m) not in COMMAND_DIRS \
                    and not self.units.in_language_dir(m):
                language = _code_language(m)
                if language is not None and language in languages:
                    modules.setdefault(language, []).append(m)
        for language, files in sorted(modules.items()):
            if language == "python":
                self._scan_python(files, required=True)
            else:
                self._scan_script(files, language, required=True)
            # the commands those the workload loaded run, as its scripts':
            # Redmine's lib/redmine/thumbnail.rb runs `convert` (of
            # imagemagick, which ruby-mini-magick, a dependency of
            # redmine's, depends on), and its thumbnails were 404s
            for m in files:
                text = self.units.read_text(m)
                if text is not None:
                    # (what in /etc they name, any of them, as its scripts':
                    # Prosody's mod_http_files, enabled next, maps file names
                    # to types from /etc/mime.types; without it, .json, .pdf
                    # and .woff2 were served with no type)
                    self._configuration_named(m, text, data_too=True)
                if m in self._in_trace and text is not None:
                    words = code_commands(text, language in BACKTICK_LANGUAGES)
                    self._keep_programs(self._commands_it_may_run(m, words, steps=3),
                                        f"code {m}, of a kept package of programs, which was loaded")

    def _executed(self) -> Collection[str]:
        """The programs that ran (_programs_run's, once run() has them: a
        package's script an interpreter was given counts. `bundle exec
        rails server` ran ruby with Redmine's bin/rails, and the commands of
        its code it loaded, git's for its repositories, were not looked
        for: every repository page a 404); before, the events' executed
        ones; without events, every traced file counts."""
        if self._programs is not None:
            return self._programs
        return self.activity.executed if self.activity is not None else self._traced.keys()

    def _ran_finals(self) -> set[str]:
        """The files the programs that ran lead to, and the interpreters of
        the scripts among them (resolved once): a script's exec runs its
        #! interpreter, which no event names (munin-node and its plugins
        are Perl: Perl's standard library, named nowhere, was not said, and
        a user's own plugin failed, "Can't locate JSON/PP.pm")."""
        if self._ran_final_set is None:
            finals = {f for p in self._executed() if (f := self._final(p))}
            finals |= {f for p in finals for r in self._script_runners(p) if (f := self._final(r))}
            self._ran_final_set = finals
        return self._ran_final_set

    def _script_language(self, path: str) -> str | None:
        """The language of a script ('python', 'perl', 'lua', ...) by its #!
        line; None for a program of machine code."""
        st = self.units.stats.get(path)
        text = self.units.read_text(path) if st is not None and st.st_size <= META_LIMIT else None
        head = (text or "")[:256].encode("utf-8", "surrogateescape")
        if not head.startswith(b"#!"):
            return None
        return "python" if is_python_script(head) else script_language(head, path)

    def _script_libraries(self, path: str, text: str, language: str | None, python: bool) -> None:
        """What a script loads: in language (Perl, Ruby, Lua, Erlang, PHP,
        R), its libraries; else, with python, the modules it imports at its
        top, and of the standard library those it imports on first use,
        where it is no module of a library directory itself: a kept
        musicxml2ly, LilyPond's, imports xml.dom in the function that reads
        its input, and failed with "No module named 'xml'"."""
        if language:
            self._load_libraries(path, text, language)
        elif python:
            self._scan_python([path], required=True, texts={path: text})
            if self.units.in_language_dir(self._final(path) or path):
                return
            # (what those import at their top: not the standard library's own
            # imports on first use, asyncio's to multiprocessing's to test's)
            lazy: list[str] = []
            for name in python_imports(text):
                dotted = _absolute(name, path, self.units)
                keys = self.units.python_modules(dotted.split(".")[0]) if dotted else []
                if keys and all(self.units.in_python_stdlib(k) for k in keys):
                    for key in keys:
                        self._use(key, f"imported on first use by {path}")
                    lazy += self.units.module_files(dotted or "")
            self._scan_python(lazy, required=True)

    def _commands_it_may_run(self, program: str, words: list[str], steps: int = 1,
                             said: bool = False) -> list[str]:
        """Of the commands a package's program runs (words), those found on
        PATH in a package its own depends on (in at most steps steps), in
        an Essential one, or in one installed on purpose (gitweb.cgi pipes
        its snapshots into bzip2 and xz, which git does not depend on: the
        image's admin installed them for it, and its .tar.bz2 and .tar.xz
        came back empty, status 200). said: the others are noted as runs
        (_note_run: _unkept_runs names them, or _chosen_tools keeps one the
        application's package depends on), for a program a suite runs next:
        munin's apt plugin runs apt-get, which munin-plugins-core does not
        depend on; enabled, it failed, "Can't exec \"apt-get\"", with
        nothing said."""
        key = self.units.package_of.get(program)
        if (key, steps) not in self._deps_within:
            deps: set[str] = set()
            frontier = {key} if key else set()
            for _ in range(steps):
                frontier = {d for k in frontier for d in self.units.package_deps.get(k, [])} - deps
                deps |= frontier
            self._deps_within[(key, steps)] = deps
        allowed = self.units.essential | self.units.wanted | self._deps_within[(key, steps)]
        out = []
        for word in words:
            found = word if word.startswith("/") else self.closure.find_program(word)
            final = self._final(found) if found else None
            if final is not None and self.units.package_of.get(final) in allowed:
                out.append(word)
            elif final is not None and said and key is not None:
                self._note_run(word, f"{key.split(':', 1)[1]}'s {posixpath.basename(program)}", key)
        return out

    def _configuration_named(self, script: str, text: str, data_too: bool = False) -> None:
        """The files in /etc no package owns that a kept package's script
        names: what its installation wrote there, outside any directory of
        its own (_installed_config). update-ca-certificates reads the list
        of authorities to trust from /etc/ca-certificates.conf, which
        ca-certificates' postinst writes; without it the tool exited 0 and
        left one authority of 143 in the bundle every TLS client reads.
        data_too (a program's code, not an installation's): also one of a
        package of data only, alone: gitweb.cgi maps file names to types
        from /etc/mime.types (media-types), and served .py and .css as
        text/plain without it. And a file under /usr/share of the script's
        own package (ssl-cert's make-ssl-cert edits a copy of
        /usr/share/ssl-cert/ssleay.cnf: without it "sed: can't read", exit
        2, the old certificate left in place), or with data_too of a
        package of data only (unbound's helper fills a new state directory
        from dns-root-data's /usr/share/dns/root.key: without it unbound on
        an empty /var/lib/unbound stopped at its start)."""
        own = self.units.package_of.get(self._final(script) or script)
        for path in dict.fromkeys(ETC_NAME.findall(text) + SHARED_DATA_NAME.findall(text)):
            st = self.units.stats.get(path)
            if st is None or not stat.S_ISREG(st.st_mode) or path in self.closure.kept:
                continue
            owner = self.units.package_of.get(path)
            data = data_too and owner in self.units.units \
                and self.units.is_data_package(self.units.units[owner])
            if path.startswith("/etc/") and owner is not None and not data:
                continue
            if not path.startswith("/etc/") and (owner is None or not (data or owner == own)
                                                 or is_documentation(path)):
                continue    # (not what a message points to: a2enmod's README.Debian.gz)
            self.closure.add(path, f"named by {script}, of a kept package")

    def _maintainer_config(self, unit: Unit) -> None:
        """The files in /etc no package owns that a kept package's
        installation wrote (its postinst and config scripts name them):
        libpaper1's postinst writes /etc/papersize, and libpaper, which
        libgs loads, falls back to US Letter without it: Ghostscript's
        PostScript came out on Letter instead of A4, exit 0."""
        for script in self.units.package_scripts.get(unit.key, []):
            text = self.units.read_text(script)
            if text is not None:
                self._configuration_named(script, text)

    def _keep_commands(self, words: list[str], where: str) -> None:
        """The programs an application's script or code runs, found through
        the image's PATH, kept with their packages, as if run."""
        for word in words:
            found: str | None = word if word.startswith("/") else self.closure.find_program(word)
            if not found or (found == word and self._directory(parent_of(word)) is None):
                continue        # (an absolute name: only where the image has its directory)
            why = f"command {word} in {where}"
            self._as_if_run.append(found)
            self._tools.add(posixpath.basename(found))
            if posixpath.basename(found) == "iconv":
                self._converters_named = self._converters_named or f"{where} runs iconv"
            self._add_with_units(found, why)
            self._use_package(found, why, data_too=True)
            self._named_script(found)

    def _shell_script(self, script: str, text: str, where: str, whole: bool = True,
                      variables: dict[str, list[str]] | None = None, run_later: bool = False) -> None:
        """The commands a shell script runs, and those of the shell
        libraries it reads in with `.` (git's scripts read git-sh-setup, which
        runs basename, sed and uname as it loads, and reads git-sh-i18n,
        which reads gettext.sh from PATH: without it every message of
        git's scripts was English under LANG=de_DE.UTF-8, exit 0), each
        library once. whole: each command with its package, as if run (the
        application's scripts); else the program alone, with what it
        needs (a kept package's scripts: with their packages whole,
        PostgreSQL's supported-versions brought dpkg, whose scripts brought
        tar and diffutils, whose installation had made /etc/alternatives:
        17 MB more for commands a user of the image never runs).

        A library or a command named by a variable counts where the script
        (or a library it reads in, which shares its variables) gives that
        variable a path the image has (variable_paths, _variable_path):
        TeX's mktexpk reads `. "$MT_MKTEX_OPT"` (set to
        "$MT_TEXMFMAIN/web2c/mktex.opt"), which runs mkdir, and runs
        "$MT_MKTEXDIR", set there: without mkdir every font it had to make
        failed ("mkdir: not found")."""
        variables = {} if variables is None else variables
        for name, paths in variable_paths(text).items():
            variables.setdefault(name, []).extend(paths)
        words = script_commands(text)
        for language, code in interpreter_heredocs(text):
            # (a program given to perl or python3 in a here-document:
            # exim_checkaccess's Perl, "Can't locate FileHandle.pm")
            if language == "python":
                self._scan_python([script], required=True, texts={script: code})
            else:
                self._load_libraries(script, code, language)
        libraries: list[str | None] = []
        for name in sourced_names(text):
            if name.startswith("/"):
                libraries.append(name)
                continue
            beside = posixpath.join(parent_of(script), name)    # (git's: its exec path)
            library = beside if self.units.stats.get(beside) is not None else None
            if library is None:
                library = self.closure.find_program(name)   # `.` looks a bare name up on PATH
                if library is not None:
                    words.append(name)      # kept with its package, as a command
            if library is None:
                # a name under a directory a variable gives, the one file of
                # the image by that name: kamctl's `. "$MYLIBDIR/kamctl.rpcfifo"`,
                # which runs mkfifo ("mkfifo: not found" on `kamctl ul show`)
                library = self._variable_path(["/" + name])
            libraries.append(library)
        libraries += [self._variable_path(variables.get(name, [])) for name in sourced_variables(text)]
        for library in libraries:
            final = self._final(library) if library else None
            st = self.units.stats.get(final or "")
            if library is None or st is None or not stat.S_ISREG(st.st_mode):
                continue
            if library not in self.closure.kept:
                self.closure.add(library, f"read in by {script}")
            if library not in self._read_in:
                self._read_in.add(library)
                library_text = self.units.read_text(library)
                if library_text is not None:
                    self._shell_script(library, library_text, f"{library}, read in by {script}", whole,
                                       variables, run_later)
        words += [p for name in script_variable_commands(text)
                  if (p := self._variable_path(variables.get(name, [])))]
        if whole:
            # a shared object it names by its path, with braces and globs
            # as the shell expands them: a library to preload (the postgres
            # entrypoint's nss_wrapper, for `--user 1000:1000`, whose uid
            # has no passwd entry: "initdb: could not look up effective
            # user ID 1000", exit 1)
            for pattern in shell_path_patterns(text):
                name = posixpath.basename(pattern)
                # (a name of its own: `rm -f /usr/lib/x86_64-linux-gnu/*.so`
                # names no library to load)
                if SHARED_OBJECT.search(name) and not any(c in name for c in "*?["):
                    for path in self._glob(pattern):
                        if self._is_module(self._final(path) or ""):
                            self._add_with_units(path, f"{script} names it ({pattern})")
            # a directory of hooks it runs scripts from: those the image
            # has, with what they run, and a deployment's, with the tools
            # any shell script assumes (the postgres entrypoint's
            # /docker-entrypoint-initdb.d, empty in the image: a user's
            # init script stopped the first start, "awk: command not
            # found", exit 127; nginx's /docker-entrypoint.d holds the
            # image's own three, and a user's fourth lost hostname, gzip)
            for directory in hook_directories(text):
                final = self._directory(directory)
                if final is None:
                    continue
                self._toolbox(f"{script} runs scripts from {directory}")
                for hook in (p for p in self.units.subtree(final) if not self.units.is_dir(p)):
                    if hook not in self.closure.kept:
                        self.closure.add(hook, f"in {directory}, which {script} runs scripts from")
                    self._named_script(hook)
            # and a program the application's script names by its path
            # inside an argument, after a ':' or a '=': a runit service's
            # `exec socat TCP-LISTEN:18470 EXEC:/usr/bin/rev` (an empty
            # reply without rev); not in a comment
            code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
            words += sorted({p for after, p in CONFIG_PATH.findall(code) if after in (":", "=")
                             and p not in words and (f := self._final(p)) is not None
                             and self.units.is_program(f)})
            self._keep_commands(words, where)
        else:
            self._keep_programs(words, where, run_later)

    def _glob(self, pattern: str) -> list[str]:
        """The paths of the image an absolute shell glob matches (* ? [..]
        within a component, through links to directories), sorted."""
        found = ["/"]
        for part in pattern.strip("/").split("/"):
            if not part:
                continue
            step = []
            for base in found:
                if not any(c in part for c in "*?["):
                    step.append(posixpath.join(base, part))
                    continue
                final = self._directory(base)
                step += [posixpath.join(base, posixpath.basename(c)) for c in self.units.children(final or "")
                         if fnmatch.fnmatchcase(posixpath.basename(c), part)
                         and not (posixpath.basename(c).startswith(".") and not part.startswith("."))]
            found = step
        return sorted(p for p in found if self._final(p) in self.units.stats)

    def _toolbox(self, why: str) -> None:
        """The commands any script may use without saying so, each alone
        (TOOLBOX_PACKAGES' and TOOLBOX_COMMANDS), once: for code that runs what a
        deployment gives it, which no scan can read."""
        if self._toolbox_why:
            return
        self._toolbox_why = why
        where = f"the shell's toolbox ({why})"
        for name in sorted(TOOLBOX_PACKAGES):
            if f"dpkg:{name}" in self.units.units:
                self._keep_programs(self._commands_of(f"dpkg:{name}"), where)
        self._keep_programs(list(TOOLBOX_COMMANDS), where)

    def _toolbox_if_small(self) -> None:
        """The shell's toolbox where a shell is kept and the toolbox's
        programs not kept yet add less than TOOLBOX_SHARE of the bytes
        kept: the commands an admin types in `docker exec`, for next to
        nothing. A minified LibreOffice converter of 424 MB lost `bash`,
        `find`, `tar`, `xargs` and `getent` (2.3 MB with what they need).
        Not on a small image, where they would be a large share of it
        (`micropack debug` brings a toolbox of its own), where it is said
        (toolbox_left: a BIND image kept sh, cat, sed and rm, and an
        admin's `cp` of a signed zone was "not found") unless --keep
        toolbox asks for it."""
        if self._toolbox_why or self._final("/bin/sh") not in self.closure.kept:
            return
        if self.closure.rules.toolbox:
            self._toolbox("--keep toolbox")
            return
        programs = [p for name in sorted(TOOLBOX_PACKAGES) if f"dpkg:{name}" in self.units.units
                    for p in self._commands_of(f"dpkg:{name}")]
        programs += [p for name in TOOLBOX_COMMANDS if (p := self.closure.find_program(name))]
        finals = {f for p in programs if (f := self._final(p)) and f not in self.closure.kept}
        if not finals:
            return
        # (with the libraries they need and the image does not keep yet,
        # and what they run for a part of their work: tar's compressors)
        adds = self._cost(sorted(finals | {h for f in finals for h in self._helpers_of(f)}))
        # (named first: what users type first, `docker exec -it C bash`,
        # `docker exec C cat out.pdf`, `| wc -l`, an entrypoint's `sleep
        # infinity`)
        # (by the names they are run by: awk, not mawk)
        names = sorted({posixpath.basename(p) for p in programs if self._final(p) in finals})
        part = ToolboxPart(SHELL_TOOLBOX, adds, names,
                           ("bash", "cat", "awk", "sed", "grep", "find", "tar", "gzip", "diff", "head",
                            "tail", "wc", "sleep", "cp", "mv"))
        # (and which program that ran runs command lines through the shell:
        # gnuplot's `plot "< sort data"`, `system("date")` and `set output
        # "| gzip"` failed on a minified image, the last two with exit 0,
        # and the warning spoke only of what an admin types)
        if self._shell_callers:
            callers = [f"{posixpath.basename(p)}'s {calls}"
                       for p, calls in sorted(self._shell_callers.items())[:3]]
            part.by = f"which {' and '.join(callers)} may run"
        if why := self._toolbox_part(part, " of programs and what they need"):
            self._toolbox(f"{why}: what an admin types in docker exec")

    def _ca_tool(self, key: str, directory: str, why: str) -> None:
        """The command of package key that rebuilds the authorities kept
        under directory, for a user who adds one of their own: an admin's
        command, so part of the toolbox (kept under TOOLBOX_SHARE of the
        bytes kept with what it and its script run, or with --keep toolbox,
        else said). On a minified HAProxy image update-ca-certificates was
        "not found" and the bundle stayed at 142 (0.2 MB there; it runs
        `openssl rehash` and coreutils: 2.2 MB on a Python image, 6.7 MB on
        Exim's, whose TLS is GnuTLS)."""
        commands = self._commands_of(key)
        if not commands or any(self._final(c) in self.closure.kept for c in commands):
            return
        adds = self._cost([*commands, *self._scripts_run(commands)])
        if comes := self._toolbox_part(ToolboxPart("the command that rebuilds the trusted authorities", adds,
                                                   [posixpath.basename(c) for c in commands])):
            self._keep_programs(commands, f"{key.split(':', 1)[1]}'s, which rebuilds the authorities under "
                                          f"{directory} ({why}): {comes}")

    def _account_tools(self) -> None:
        """The commands that add and change the system's accounts
        (ACCOUNT_PACKAGES': useradd, chpasswd, usermod), when a program that
        ran logs users in (_login_shells): an admin's, so part of the
        toolbox (kept under TOOLBOX_SHARE of the bytes kept, or with --keep
        toolbox, else said). On a minified FTP server's image the next user
        could not be added, "useradd: not found", unsaid, and --keep toolbox
        did not bring it."""
        if not self._logs_users_in:
            return
        keys = [k for name in ACCOUNT_PACKAGES if (k := f"{self.units.db_kind}:{name}") in self.units.units]
        # (an admin's, in /usr/sbin, whatever the image's PATH)
        commands = [m for key in keys for m in self.units.units[key].members
                    if parent_of(m) in COMMAND_DIRS and self.units.is_program(self._final(m) or "")]
        if not commands or all(self._final(c) in self.closure.kept for c in commands):
            return
        adds = self._cost(commands)
        if comes := self._toolbox_part(ToolboxPart("the commands that add and change accounts", adds,
                                                   [posixpath.basename(c) for c in commands],
                                                   ("useradd", "passwd", "chpasswd"))):
            self._keep_programs(commands, f"a command that adds or changes accounts (a program that logs "
                                          f"users in ran): {comes}")

    def _tls_tools(self) -> None:
        """The command line tools of TLS (TLS_TOOLS) the image has, once a
        program loaded a TLS library: what an admin checks, makes or renews
        the service's certificate with, and debugs its handshakes with
        (`openssl s_client -starttls ldap`), so
        part of the toolbox (kept under TOOLBOX_SHARE of the bytes kept,
        or with --keep toolbox, else said). On a minified OpenLDAP image,
        "openssl: not found", and nothing had named it (ca-certificates
        depends on openssl: no package installed on purpose)."""
        if not self._tls_library or not (commands := self._admin_commands_not_kept(TLS_TOOLS)):
            return
        names = [posixpath.basename(c) for c in commands]
        if comes := self._toolbox_part(ToolboxPart("the tools of TLS", self._cost(commands), names)):
            self._keep_programs(commands, f"a tool of TLS ({self._tls_library} was loaded): {comes}")

    def _process_tools(self) -> None:
        """The commands that signal and find processes (PROCESS_TOOLS), where
        a shell is kept: a part of the toolbox (kept under TOOLBOX_SHARE of
        the bytes kept, with the libraries they need, or with --keep toolbox,
        else said). On a minified Mosquitto image the reload after an ACL
        change, `docker exec C kill -HUP 1`, was "executable file not found",
        unsaid, with --keep toolbox too; its unit reloads the same way."""
        if self._final("/bin/sh") not in self.closure.kept \
                or not (commands := self._admin_commands_not_kept(PROCESS_TOOLS)):
            return
        names = [posixpath.basename(c) for c in commands]
        if comes := self._toolbox_part(ToolboxPart("the commands that signal and find processes",
                                                   self._cost(commands), names, ("kill", "ps"))):
            self._keep_programs(commands, f"a command that signals or finds processes: {comes}")

    def _toolbox_part(self, part: ToolboxPart, what: str = "") -> str | None:
        """Why a part of the toolbox comes (_toolbox_part_comes: the caller
        keeps it), or None where it does not, and part is said."""
        if comes := self._toolbox_part_comes(part.size, what):
            return comes
        self.result.toolbox_left.append(part)
        return None

    def _toolbox_part_comes(self, adds: int, what: str = "") -> str | None:
        """Why a part of the toolbox that adds `adds` bytes comes: --keep
        toolbox, or it is less than TOOLBOX_SHARE of the bytes kept (what:
        what the bytes are); None where it does not (it is said)."""
        if self.closure.rules.toolbox:
            return "--keep toolbox"
        kept = self._kept_bytes()
        if adds < TOOLBOX_SHARE * kept:
            return f"{adds / 1e6:.1f} MB{what}, under {TOOLBOX_SHARE:.0%} of the {kept / 1e6:.0f} MB kept"
        return None

    def _kept_bytes(self) -> int:
        """The bytes of the regular files kept so far."""
        return sum(self._file_sizes(self.closure.kept))

    def _embedded_interpreters(self) -> list[tuple[str, str | None]]:
        """The interpreters kept libraries embed (EMBEDDED_INTERPRETER),
        found by a kept file that needs them, not seen before (returned):
        each counts as one that ran for the rule of its standard library
        (_stdlib_if_small: a user's script imports what the probe never
        did), and an embedded Python comes with what it reads as it starts
        (PYTHON_START), without which it cannot start at all. On a minified
        FreeRADIUS image rlm_python3.so and libpython3.11 were kept, not
        one module of the standard library, and enabling the module
        stopped the server's start, "No module named 'encodings'"; a
        user's rlm_perl script failed, "Can't locate Digest/MD5.pm", both
        unsaid."""
        new: list[tuple[str, str | None]] = []
        for library, needers in sorted(self.closure.needed_by.items()):
            # (said by the one of the shortest name: PostgreSQL's language
            # handler plpython3.so, not hstore_plpython3.so, a transform)
            by = min(needers, key=lambda p: (len(posixpath.basename(p)), p))
            final = self._final(library)
            match = EMBEDDED_INTERPRETER.match(posixpath.basename(final or ""))
            if final is None or match is None or final not in self.closure.kept:
                continue
            name = match.group(1)
            if not name.startswith("python"):
                interpreter: tuple[str, str | None] = (name, self.closure.find_program(name))
                for module in PERL_START if name == "perl" else ():
                    for key in self.units.script_libraries("perl", module):
                        if STANDARD_LIBRARY.search(self.units.library_dir.get(key, "")):
                            self._use(key, f"what the scripts of {final}, which {by} needs, use in their "
                                           f"first lines")
            else:
                # (its prefix's: /usr/local/lib/python3.12 for /usr/local/lib/libpython3.12.so)
                stdlibs = sorted((lib for lib in self.units.python_stdlibs if posixpath.basename(lib) == name
                                  and final.startswith(parent_of(parent_of(lib)) + "/")), key=len)
                if not stdlibs:
                    continue
                lib = stdlibs[-1]
                interpreter = (name, f"{parent_of(parent_of(lib))}/bin/{name}")
                why = f"what {final}, which {by} needs, reads of its standard library as it starts"
                for module in PYTHON_START:
                    for key in self._stdlib_modules(lib, module):
                        self._use(key, why)
                # (the directory of its compiled modules, its other landmark:
                # "Could not find platform dependent libraries" without it)
                if self.units.is_dir(f"{lib}/lib-dynload") and f"{lib}/lib-dynload" not in self.closure.kept:
                    self.closure.add(f"{lib}/lib-dynload", why)
                for needer in needers:
                    self._modules_named_natively(needer, lib, name)
            if interpreter not in self._embedded:
                self._embedded[interpreter] = by
                new.append(interpreter)
        return new

    def _modules_named_natively(self, path: str, lib: str, interpreter: str) -> None:
        """The modules of the standard library lib that the ELF file path,
        which embeds its Python, names among its strings: its C code
        imports them by name (PostgreSQL's plpython3.so imports decimal for
        every numeric argument, "could not import a module for Decimal
        constructor", and jsonb_plpython3.so's missing decimal crashed the
        server). A name as a string of its own, or, of six letters or more,
        as the end of a longer one, where the linker merged it ("decimal"
        in "cdecimal", which plpython tries first)."""
        final = self._final(path)
        if final is None or (final, lib) in self._named_natively:
            return
        self._named_natively.add((final, lib))
        strings = self._data_ends_of(final).whole
        if lib not in self._stdlib_tops:
            self._stdlib_tops[lib] = {}
            for key in self.units.units:
                unit = self.units.units[key]
                if unit.kind == "python" and parent_of(unit.name) == lib:
                    top = posixpath.basename(unit.name).split(".")[0]
                    if top not in STDLIB_LEFT_OUT and not top.startswith("_test") and len(top) > 2:
                        self._stdlib_tops[lib].setdefault(top, []).append(key)
        tops = self._stdlib_tops[lib]
        long_names = {t for t in tops if len(t) >= 6}
        named = {t for t in tops if t in strings}
        named |= {t for w in strings for t in long_names if w.endswith(t) and w != t}
        why = f"imported by name by {final}, which embeds {interpreter}"
        for top in sorted(named):
            for key in tops[top]:
                self._use(key, why)
                # (and, one level, what it imports anywhere, its accelerator
                # in a try among them: decimal's _decimal, or _pydecimal)
                for m in self.units.units[key].members:
                    text = self.units.read_text(m) if m.endswith(".py") else None
                    for name in python_imports(text, False) if text else ():
                        for other in self._stdlib_modules(lib, name.split(".")[0]):
                            self._use(other, f"imported by {m} ({why})")

    def _stdlib_modules(self, lib: str, top: str) -> list[str]:
        """The units of the Python module top in the standard library lib."""
        return [k for k in self.units.python_modules(top) if self.units.units[k].name.startswith(lib + "/")]

    def _stdlib_if_small(self) -> None:
        """The standard library of an interpreter that ran (Python, Ruby,
        Perl), beyond what the workload imported, as the shell's
        toolbox: with --keep toolbox, or where it adds less than
        TOOLBOX_SHARE of the bytes kept; else said (toolbox_left). A
        user's own script imports what the workload never did: a pandoc
        service's minified image kept python3 (the service's) with
        http.server and what it imports, and a user's filter, `import
        json`, failed ("No module named 'json'"), as did `python3 -m
        json.tool` in docker exec. Not its tests, GUI, IDE or installers
        (STDLIB_LEFT_OUT). Python's of each prefix apart, by the
        interpreter beside it (/usr/local/bin/python3.11 for
        /usr/local/lib/python3.11: an image with Debian's python3.11 too
        would have kept both); Ruby's and Perl's of the distribution's
        directories (STANDARD_LIBRARY: not /usr/local's builds)."""
        # (interpreter's name, the program it is) -> units of its standard library
        libraries: dict[tuple[str, str | None], list[str]] = {}
        found: dict[str, str | None] = {}
        runs: tuple[str, str | None]
        # (each unit's name under its directory; those kept, by interpreter)
        relative: dict[str, str] = {}
        kept_names: dict[tuple[str, str | None], set[str]] = {}
        for key, unit in self.units.units.items():
            if unit.kind == "python" and self.units.in_python_stdlib(key):
                lib = next(lib for lib in self.units.python_stdlibs if unit.name.startswith(lib + "/"))
                version = posixpath.basename(lib)
                runs = (version, f"{parent_of(parent_of(lib))}/bin/{version}")
            elif (lib := self.units.library_dir.get(key, "")) and STANDARD_LIBRARY.search(lib):
                if unit.kind not in found:
                    found[unit.kind] = self.closure.find_program(unit.kind)
                runs = (unit.kind, found[unit.kind])
            else:
                continue
            top = unit.name[len(lib) + 1:].split("/")[0]
            name = posixpath.basename(unit.name).split(".")[0]
            under = unit.name[len(lib) + 1:]
            relative[key] = posixpath.join(posixpath.dirname(under), name)
            if key in self._queued or any(m in self.closure.kept for m in unit.members):
                kept_names.setdefault(runs, set()).add(relative[key])
            if key in self._queued or top in STDLIB_LEFT_OUT or name in STDLIB_LEFT_OUT \
                    or name.startswith("_test"):
                continue
            libraries.setdefault(runs, []).append(key)
        ran = self._ran_finals()
        for (interpreter, program), keys in sorted(libraries.items(), key=lambda item: item[0][0]):
            embedded_by = self._embedded.get((interpreter, program))
            if (interpreter, program) in self._stdlib_done or embedded_by is None and (
                    program is None or self._final(program) not in ran):
                continue        # (not perl, kept for a package's script that never ran: 24 MB of modules)
            self._stdlib_done.add((interpreter, program))
            # (not one the interpreter finds kept in another of its
            # directories: perl-modules' POSIX.pod beside perl-base's
            # POSIX.pm, kept, made the warning name POSIX first)
            keys = [k for k in keys if relative[k] not in kept_names.get((interpreter, program), set())]
            files = [m for k in keys for m in self.units.units[k].members
                     if "/__pycache__/" not in m and not self.units.is_dir(m)]
            adds = self._cost(files)
            # (public names first: __hello__ and _crypt say little)
            # (Perl's by their module's name, Digest::MD5, not MD5)
            names = sorted({relative[k].replace("/", "::") if interpreter == "perl"
                            else posixpath.basename(self.units.units[k].name).split(".")[0] for k in keys},
                           key=lambda n: (n.startswith("_"), n))
            part = ToolboxPart(f"{interpreter}'s standard library beyond what was imported", adds, names,
                               STDLIB_KNOWN.get(interpreter.rstrip("0123456789."), ()))
            if embedded_by is not None and (program is None or self._final(program) not in ran):
                part.by = f"which {embedded_by} embeds"
            if not (why := self._toolbox_part(part)):
                continue
            for key in sorted(keys):
                self._use(key, f"the standard library of {interpreter}, which is kept ({why}): what a "
                               f"user's own script imports")

    def _variable_path(self, paths: list[str]) -> str | None:
        """The file of the image a shell variable names (the last of paths
        variable_paths found for it that does): an absolute path as it is;
        a tail ("/web2c/mktex.opt") only where one file of the image ends
        with it, never a guess among several."""
        for tail in reversed(paths):
            if self.units.stats.get(tail) is not None:
                return tail
            if self._by_name is None:
                self._by_name = {}
                for p in self.units.paths:
                    self._by_name.setdefault(posixpath.basename(p), []).append(p)
            found = [p for p in self._by_name.get(posixpath.basename(tail), []) if p.endswith(tail)]
            if len(found) == 1:
                return found[0]
        return None

    def _keep_programs(self, words: list[str], where: str, run_later: bool = False,
                       to_run: bool = False) -> None:
        """The programs a kept package's script runs, found through the
        image's PATH, each alone with what it needs (see _shell_script); a
        shell script among them read for its commands, as lightly, and a
        Python one for the modules it imports at its top. run_later: the
        script will run (a scheduled job's), so they count as run for the
        rules that follow what programs run (_as_if_run: logrotate's
        compiled-in gzip); not what their own scripts run (logrotate's
        postrotate runs invoke-rc.d, which names systemctl, which names
        systemd-sysv-install, which runs update-rc.d, a Perl script: 3.8
        MB of perl-base for a chain no container takes). to_run: kept for
        the user to run (a companion), so they count as run too, and are
        kept alone as well."""
        for word in words:
            found = word if word.startswith("/") else self.closure.find_program(word)
            final = self._final(found) if found else None
            if found is None or final is None or not self.units.is_program(final):
                continue
            if run_later or to_run:
                self._as_if_run.append(found)
            if found in self.closure.kept:
                continue
            self.closure.add(found, f"command {word} in {where}")
            if not run_later:
                self._kept_alone.append(found)
            self._program_companions(word, found, final, f"command {word} in {where}")
            if found in self._named_scripts:
                continue
            self._named_scripts.add(found)
            text = self.units.read_text(found)
            head = (text or "")[:256].encode("utf-8", "surrogateescape")
            if text is not None and text.startswith("#!"):
                # (what its package's installation wrote in /etc for it:
                # update-ca-certificates, kept with the authorities, rebuilds
                # the bundle from /etc/ca-certificates.conf's list, every
                # authority dropped without it)
                self._configuration_named(found, text)
            if text is not None and is_shell_script(head, found):
                self._shell_script(found, text, f"script {found}", whole=False)
            elif (module := self._node_module_of(final)) is not None:
                # a node module's command (Debian's npm is /usr/share/nodejs/
                # npm/bin/npm-cli.js): its module, or nothing runs ("Cannot
                # find module '../lib/cli.js'" for every npm command)
                self._use(module, f"the module of command {word} ({where})")
            elif text is not None:
                # what it cannot start without: gdal-bin's gdal2tiles.py,
                # kept beside libgdal, imports osgeo_utils.gdal2tiles, which
                # imports uuid at its top ("No module named 'uuid'"); TeX
                # Live's fmtutil, a Perl script mktexfmt names, its modules
                python = is_python_script(head)
                self._script_libraries(final, text, None if python else script_language(head, found), python)

    def _program_companions(self, word: str, found: str, final: str, why: str) -> None:
        """What comes with a program kept alone (word, found on PATH as
        found, leading to final): the data packages of a package installed
        on purpose, what its package's installation made, its package's
        configuration files and data directory named after it."""
        # (the package of the name it is found by, too: redis-sentinel is
        # a link of its own package to redis-tools' redis-check-rdb)
        for key in sorted(self._packages_of_programs([found])):
            self._program_package_companions(key, word, found, final, why)
        self._keep_within_bound([(h, f"which it runs for a part of its work; {why}", True)
                                 for h in self._helpers_of(final)], final)

    def _helpers_of(self, final: str) -> list[str]:
        """The programs HELPERS_BY_NAME says program final runs by name,
        those the image has and does not keep yet."""
        return [p for name in HELPERS_BY_NAME.get(posixpath.basename(final), ())
                if (p := self.closure.find_program(name)) and self._final(p) not in self.closure.kept]

    def _program_package_companions(self, key: str, word: str, found: str, final: str, why: str) -> None:
        if key in self.units.wanted and key not in self._deps_followed:
            # of a package installed on purpose: with the data packages
            # it depends on (gitweb's highlight reads its file types
            # from highlight-common: alone, "cannot open filetypes.conf")
            self._deps_followed.add(key)
            self._data_dependencies(key, why)
        # what its package's installation made for it: php8.2-cli's
        # php.ini and the conf.d links enabling its extensions (ucf and
        # phpenmod wrote them), kept with php8.2 beside php-fpm8.2, or
        # `php -m` listed 16 modules of 49, exit 0
        if key in self.units.units:
            if key not in self._config_made:
                self._config_made.add(key)
                self._installed_config(self.units.units[key])
            # (for each program of it: mail's /etc/mail.rc after mailx,
            # also by the roles /etc/alternatives gives it: bsd-mailx, kept
            # as exim4-base's companion, is `mail` there)
            names = {posixpath.basename(p) for p in (word, found, final)} | self._alternative_names(final)
            # and by a word of its name after the first, which names its
            # family: redis-sentinel's sentinel.conf ("Fatal error, can't
            # open config file" with the command kept), not dpkg-divert's
            # dpkg.cfg and cron job
            words = {w for n in names for w in NAME_PARTS.split(n)[1:] if len(w) >= 3}
            self._package_conffiles(self.units.units[key], names, why, words)
            self._program_data(self.units.units[key], names, why)

    def _alternative_names(self, final: str) -> set[str]:
        """The names /etc/alternatives gives the file final (mail, mailx
        and Mail for bsd-mailx), read once."""
        if self._alternatives is None:
            self._alternatives = {}
            for link in self.units.children(ALTERNATIVES):
                if (target := self._final(link)) is not None:
                    self._alternatives.setdefault(target, set()).add(posixpath.basename(link))
        return self._alternatives.get(final, set())

    def _package_conffiles(self, unit: Unit, names: set[str], why: str, words: set[str]) -> None:
        """The configuration files of a program's package that bear one of
        its names, kept with the program alone: bsd-mailx's /etc/mail.rc,
        beside the mail Dovecot's script names; without it `mail -f` showed
        every header the original hides; or whose own name is one of words
        (redis-sentinel's /etc/redis/sentinel.conf). (Not its package's
        others: dpkg's dpkg.cfg beside start-stop-daemon, procps'
        sysctl.conf beside ps.) A name of four letters or more also by its
        plural or agent noun: sudo's /etc/sudoers (kept with --include
        /usr/bin/sudo, as a warning advised, sudo could not run: "unable to
        open /etc/sudoers")."""
        stems = tuple(n for n in names if len(n) >= 4)
        for m in unit.members:
            st = self.units.stats.get(m)
            parts = set(NAME_PARTS.split(m))
            if m in self.units.conffiles and m not in self.closure.kept and st is not None \
                    and stat.S_ISREG(st.st_mode) and st.st_size <= META_LIMIT \
                    and (names & parts or any(part[len(stem):] in NAME_SUFFIXES for part in parts
                                                for stem in stems if part.startswith(stem))
                         or words & set(NAME_PARTS.split(posixpath.basename(m)))):
                self.closure.add(m, f"configuration of {unit.name} ({why})")
                # and the package's links to it, where its programs look:
                # openssl opens /usr/lib/ssl/openssl.cnf, a link to
                # /etc/ssl/openssl.cnf ("Can't open", with the file kept)
                for link in unit.members:
                    st = self.units.stats.get(link)
                    if st is not None and stat.S_ISLNK(st.st_mode) and link not in self.closure.kept \
                            and self._final(link) == m:
                        self.closure.add(link, f"a link to {m}, configuration of {unit.name} ({why})")

    def _program_data(self, unit: Unit, names: set[str], why: str) -> None:
        """The directory of /usr/share a program's package names after it,
        kept whole with the program alone: its data, of which a run picks
        a file by a name it is given. ipptool, kept beside libcups, came
        without cups-ipp-utils' /usr/share/cups/ipptool, and
        `ipptool URI get-printer-attributes.test` found no test. Data only
        (nothing executable in it, no code) and small (DATA_TREE_LIMIT): a tree of
        programs or a large one is another unit's business; not
        documentation nor translations."""
        for directory in unit.dirs:
            if posixpath.basename(directory) not in names or not directory.startswith("/usr/share/") \
                    or is_documentation(directory) or TRANSLATION.match(directory + "/") \
                    or not self.units.is_dir(directory) or self.units.in_language_dir(directory):
                # (a language's translations are named as it: coreutils' id
                # and tr beside /usr/share/locale/id and tr)
                continue
            tree = self.units.subtree(directory)
            stats = [st for p in tree
                     if (st := self.units.stats.get(p)) is not None and stat.S_ISREG(st.st_mode)]
            if len(tree) > DATA_TREE_LIMIT[0] or sum(st.st_size for st in stats) > DATA_TREE_LIMIT[1] \
                    or any(st.st_mode & 0o111 for st in stats) \
                    or any(p.endswith(CODE_SUFFIXES) for p in tree):
                continue
            # (named as the one of names it is: a package of a hundred
            # modules names its module's directory, not all the modules)
            for p in tree:
                if p not in self.closure.kept:
                    self.closure.add(p, f"data of {unit.name}'s {posixpath.basename(directory)}, "
                                        f"in {directory} ({why})")

    def _included_data(self, program: str) -> None:
        """The files under /usr/share of the package of a program a user
        kept with --include, but its documentation, translations and shell
        completions: the data it reads by names it is given or builds,
        which no trace saw. locale-gen, included on a php-fpm image, came
        without locales' /usr/share/i18n: it removed the image's locale
        archive, localedef found no character map for any locale, and it
        said "Generation complete", exit 0, every locale of the image gone.
        Over INCLUDED_DATA_LIMIT, the warning says they were left out."""
        key = self.units.package_of.get(self._final(program) or program)
        if key is None or key not in self.units.units:
            return
        unit = self.units.units[key]
        files = [m for m in self._shared_data(unit) if not m.startswith(SHELL_COMPLETIONS)]
        self._keep_files_within(unit, files, f"data of {unit.name}, whose {program} was kept with --include",
                                INCLUDED_DATA_LIMIT, f"data of {program}, kept with --include", "it")

    def _keep_files_within(self, unit: Unit, files: list[str], why: str, limit: int, what: str,
                           bringer: str) -> None:
        """Files of unit kept for why (_keep_files) while their bytes are
        limit at most; else each said left out: what they are, and what
        may bring no more (bringer)."""
        size = sum(self._file_sizes(files))
        if size <= limit:
            self._keep_files(unit, files, why)
            return
        for m in files:
            self.result.left_out.setdefault(m, f"{unit.label}: {what}: {size / 1e6:.1f} MB in all, "
                                               f"over the {limit / 1e6:.0f} MB {bringer} may bring")

    def _shared_data(self, unit: Unit) -> list[str]:
        """The members of unit under /usr/share not kept yet, but its
        documentation and translations."""
        return [m for m in unit.members if m.startswith("/usr/share/") and m not in self.closure.kept
                and not is_documentation(m) and not TRANSLATION.match(m)]

    def _add_with_units(self, path: str, why: str) -> None:
        """path kept with what it needs (its interpreter, its libraries),
        and the units each file that brings belongs to used, as for a
        program that ran."""
        if path in self.closure.kept:
            return
        before = set(self.closure.kept)
        self.closure.add(path, why)
        for p in sorted(self.closure.kept.keys() - before):
            for key in self.units.units_of(p):
                self._use(key, why)

    def _named_script(self, program: str) -> None:
        """A script the application names and the trace never saw run
        (update-ca-certificates, run by a route the probes never took): the
        commands it runs come too, as for the application's own scripts.
        Kept as if run, it failed with "mktemp: not found", then "sort"."""
        if program in self._named_scripts or program in self._executed():
            return
        self._named_scripts.add(program)
        text = self.units.read_text(program)
        if text is None:
            return
        head = text[:256].encode("utf-8", "surrogateescape")
        if is_shell_script(head, program):
            self._shell_script(program, text, f"script {program}")
            return
        # in another language, what its code runs (gitweb.cgi, a Perl CGI
        # the application names, pipes `git archive` into gzip: its
        # snapshots were empty, status 200, with no gzip), and what it
        # loads at its start
        language = script_language(head, program)
        if language or is_python_script(head):
            self._keep_commands(code_commands(text, language in BACKTICK_LANGUAGES), f"code {program}")
            self._script_libraries(program, text, language, is_python_script(head))

    def _code_paths(self, path: str, text: str) -> None:
        """What the application's code names by an absolute path in a
        string: a file, with its unit (a data package's whole: the code may
        pick its neighbours by name too), a directory, with the data
        packages that own it and the trees no package owns under it; a
        program, as if run. A PHP route drew its text with
        imagettftext('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'),
        and on the minified image it sent a blank PNG, status 200."""
        for named in code_paths(text):
            final = self._final(named)
            st = self.units.stats.get(final or "")
            if final is None or st is None or is_pseudo(final) or is_system_dir(final) \
                    or LIB_DIR.match(final) or self.units.in_language_dir(final):
                continue
            why = f"{named}, which {path} names"
            if stat.S_ISDIR(st.st_mode):
                for key in sorted(self.units.dir_owners.get(final, set())):
                    if self.units.is_data_package(self.units.units[key]):
                        self._use(key, why)
                self._use_trees_under(final, why)
            elif stat.S_ISREG(st.st_mode) and self.units.is_program(final):
                self._keep_commands([named], path)
            elif stat.S_ISREG(st.st_mode):
                if named not in self.closure.kept:
                    self.closure.add(named, why)
                for key in self.units.units_of(final):
                    unit = self.units.units[key]
                    if unit.kind not in PACKAGE_KINDS or self.units.is_data_package(unit):
                        self._use(key, why)

    def _fonts_code_names(self, path: str, text: str) -> None:
        """A font the application's code names by its file name alone:
        Pillow's ImageFont.truetype("DejaVuSans-Bold.ttf")
        looks it up under the font directories when the route first draws
        text (a Django view's card: 500, "cannot open resource", no font
        kept at all). With it, the other faces of its package when they
        come to no more than COMPANION_LIMIT in all: code that names a default
        face is often given another (`truetype(font or "DejaVuSans.ttf")`
        drew DejaVuSans only, and `font=DejaVuSerif.ttf` was a 500); not a
        package of 100 MB of CJK faces."""
        names = font_names(text)
        if not names:
            return
        if self._installed_fonts is None:
            self._installed_fonts = {}
            for d in FONT_DIRS:
                final = self._directory(d)
                for p in self.units.subtree(final) if final else []:
                    self._installed_fonts.setdefault(posixpath.basename(p), []).append(p)
        for name in names:
            for font in self._installed_fonts.get(name, []):
                if font not in self.closure.kept:
                    self.closure.add(font, f"the font {name}, which {path} names")
                unit = self.units.units.get(self.units.package_of.get(font, ""))
                if unit is None:
                    continue
                faces = [m for m in unit.members if m.startswith(FONT_PREFIXES) and m not in self.closure.kept
                         and (st := self.units.stats.get(m)) is not None and stat.S_ISREG(st.st_mode)]
                if sum(self._file_sizes(faces)) <= COMPANION_LIMIT:
                    for face in faces:
                        self.closure.add(face, f"a face of {unit.name} beside the font {name}, "
                                               f"which {path} names")

    def _code_picks_by_name(self, path: str, text: str) -> None:
        """Code that sets TZ, calls setlocale or converts with iconv picks
        data by a name it is given: every zone, locale or converter."""
        if not self._tz_named and sets_tz(text):
            self._tz_named = f"{path} sets TZ"
        if sets_locale(text):
            self._whole_dirs.setdefault(LOCALES, f"{path} calls setlocale")
        if calls_iconv(text) and not self._converters_named:
            self._converters_named = f"{path} calls iconv"

    def _imported_modules(self, unit: Unit, members: list[str]) -> list[str]:
        """The Python files of a unit kept whole whose top-level imports
        come too (see _drain): not its tests; and of a distribution, only
        those of the import packages the workload imported or its code
        names. Every Python image imports setuptools' _distutils_hack
        through a .pth, and following setuptools' own modules brought 3 MB
        of the standard library (email, asyncio, xml, distutils)."""
        files = [m for m in members if m.endswith(".py") and not self._python_test(m)]
        if not unit.name.endswith((".dist-info", ".egg-info")):
            return files
        site = parent_of(unit.name) + "/"

        def top(path: str) -> str:
            return path[len(site):].split("/", 1)[0]

        used = {top(p) for group in (self._traced, self._scanned, self._scanned_required)
                for p in group if p.startswith(site)}
        # and those the modules read so far import: matplotlib's PDF and
        # PostScript backends import fontTools (kept whole, a dependency
        # of matplotlib's package), which imports xml at its top level,
        # and with no xml their charts failed, 500
        used |= self._imported_tops
        return [m for m in files if m.startswith(site) and top(m) in used]

    def _entry_modules(self, unit: Unit, members: list[str]) -> list[str]:
        """The modules of a library kept whole that any import of it runs:
        its import packages' __init__.py and its own modules they import
        at their top level, and theirs. requests' __init__ imports urllib3,
        and its own models, utils and packages, which import idna, certifi
        and charset_normalizer: Sphinx, kept for a sphinx-build the
        application names and never traced, failed every build without them
        (requests came as a dependency of Sphinx's, whose own Depends are
        not followed)."""
        if self.units.in_python_stdlib(unit.key) or not unit.name.endswith((".dist-info", ".egg-info")):
            return []
        site, own = parent_of(unit.name) + "/", set(members)
        todo = [m for m in members if m.startswith(site) and m.count("/") == site.count("/") + 1
                and posixpath.basename(m) == "__init__.py"]
        seen = set(todo)
        while todo:
            f = todo.pop()
            text = self.units.read_text(f)
            for name in python_imports(text, required=True) if text else []:
                dotted = _absolute(name, f, self.units)
                found = self.units.module_files(dotted) if dotted else []
                mine = [x for x in found if x in own and x not in seen]
                todo += mine
                seen.update(mine)
        return sorted(seen)

    def _entry_point_plugins(self, path: str, text: str) -> None:
        """The libraries registered in an entry-point group Python code
        looks plugins up in (Sphinx finds its themes in
        sphinx.html_themes: sphinx_rtd_theme was dropped, "no theme named
        'sphinx_rtd_theme'")."""
        for group in entry_point_groups(text):
            for key in self._registered(group):
                self._use(key, f"registers into {group}, where {path} looks plugins up")

    def _registered(self, group: str) -> list[str]:
        """The installed Python distributions that register into an
        entry-point group (their entry_points.txt), not into an
        installer's (console_scripts, gui_scripts: every program's)."""
        if self._entry_groups is None:
            self._entry_groups = {}
            for u in self.units.units.values():
                if u.kind != "python" or not u.name.endswith((".dist-info", ".egg-info")):
                    continue
                text = self.units.read_text(u.name + "/entry_points.txt")
                for g in entry_points_file_groups(text) if text else []:
                    self._entry_groups.setdefault(g, []).append(u.key)
        return [] if group in INSTALLER_GROUPS else self._entry_groups.get(group, [])

    def _programs_run_by_path(self, modules: list[str], by_name: bool = False) -> None:
        """The programs a kept library's Python code runs by an absolute
        name, each alone: ctypes.util's find_library runs /sbin/ldconfig -p,
        and without it threadpoolctl found no BLAS (sklearn's show_versions
        said none, threadpool_limits limited nothing, exit 0). By absolute
        name only: a library's code names commands it may try on other
        systems (webbrowser's dozen browsers). With by_name (not the
        standard library's), those it calls by name are noted (_note_run:
        kept where an admin installed their package, _chosen_tools, else
        said): Ansible's unarchive and cron modules look up unzip and
        crontab, installed for them, and both were dropped as "nothing
        ran or named them"."""
        for m in modules:
            if not m.endswith(".py") or m not in self.closure.kept:
                continue
            text = self.units.read_text(m)
            words = code_commands(text, False) if text else []
            if absolute := [w for w in words if w.startswith("/")]:
                self._keep_programs(absolute, f"code {m}")
            key = self.units.package_of.get(m)
            by = f"{key.split(':', 1)[1]}'s {posixpath.basename(m)}" if key else m
            for word in code_commands(text, False, calls_only=True) if by_name and text else ():
                if not word.startswith("/"):
                    self._note_run(word, by, key)

    def _lazy_imports(self, unit: Unit, members: list[str]) -> None:
        """The other installed libraries a library's modules that the
        workload loaded import on first use (in a function, in a try, or by
        a literal name given to import_module or pandas'
        import_optional_dependency), followed through the library's own
        modules they import so: pandas, probed with describe(), lost
        xlsx, ods, XML, HTML and Markdown (openpyxl, xlsxwriter, odf,
        lxml, bs4, html5lib, tabulate: 501s, and `pd.show_versions()`
        reporting six of them absent, status 200), and from the modules
        any import of it runs (_entry_modules); and its own modules it
        names in strings (Sphinx's built-in extensions). Only what is
        installed; from the standard library, within it (tarfile imports
        gzip when it opens a .tar.gz), from another library, anything
        (pandas' to_sql imports sqlite3 in the function); not
        from modules nothing loaded (fontTools' symfont would bring sympy,
        31 MB)."""
        own = set(members)
        stdlib = self.units.in_python_stdlib(unit.key)
        loaded = [m for m in members if m.endswith(".py") and m in self._traced]
        todo = list(dict.fromkeys(loaded + self._entry_modules(unit, members)))
        seen = set(todo)

        def follow(files: list[str]) -> bool:
            """Its own modules among files, read in turn; whether any was."""
            mine = [x for x in files if x in own]
            todo.extend(x for x in mine if x not in seen)
            seen.update(mine)
            return bool(mine)

        while todo:
            f = todo.pop()
            text = self.units.read_text(f)
            if text is None:
                continue
            for name in python_imports(text):
                dotted = _absolute(name, f, self.units)
                if not dotted:
                    continue
                if follow(self.units.module_files(dotted)):
                    continue
                keys = self.units.python_modules(dotted.split(".")[0])
                # (of the standard library, within it: tarfile opens a .tar.gz
                # with gzip, which it imports only then, "gzip module is not
                # available"; of another library, anything: pandas' to_sql
                # imports sqlite3, "No module named 'sqlite3'")
                if keys and (not stdlib or any(self.units.in_python_stdlib(k) for k in keys)):
                    for key in keys:
                        why = f"imported on first use by {f}, which " + (
                            "the workload loaded" if f in self._traced else "any import of it runs")
                        self._use(key, why)
                        if key in self._indirect:     # (its own Depends count now: requests' urllib3)
                            self._indirect.discard(key)
                            self._owners_dependencies(self.units.units[key], why)
            self._entry_point_plugins(f, text)
            if picks_language(text):
                self._every_language(f)
            # its own modules named in strings, which it imports by those
            # names (Sphinx's built-in extensions, "sphinx.builders.linkcheck",
            # whose requests needs urllib3: every build failed without it)
            for name in dotted_names(text):
                follow(self.units.module_files(name))

    def _every_language(self, module: str) -> None:
        """The translations, in every language, of the distro package of a
        Python module that picks the language of its messages itself
        (picks_language) and of the packages it depends on: Sphinx
        translates its generated pages' labels into the project's
        `language`, from sphinx-common's catalogs in /usr/share/locale,
        which the locales of the image did not bring (`language = 'de'`
        printed "Search" for "Suche", status 200). Once a package."""
        owner = self.units.package_of.get(module)
        if owner is None:
            return
        for key in (owner, *self.units.package_deps.get(owner, [])):
            if key in self._all_languages:
                continue
            self._all_languages.add(key)
            unit = self.units.units[key]
            catalogs = [m for m in unit.members if TRANSLATION.match(m) and not self.units.is_dir(m)]
            self._keep_files(unit, catalogs, f"{module} picks the language of its messages itself")

    def _python_test(self, path: str) -> bool:
        """A distribution's own tests (tests/, test_*.py, a test/ of
        test_*.py): never imported by what uses the distribution, so their
        imports (unittest, and through its mock asyncio and multiprocessing)
        do not count. A test/ of other modules is a framework for the
        application's tests: Django's (`manage.py test` found no pdb)."""
        parts = path.split("/")
        if _test_file(parts[-1]) or "tests" in parts[:-1]:
            return True
        for i, part in enumerate(parts[:-1]):
            if part == "test":
                directory = "/".join(parts[:i + 1])
                if any(_test_file(posixpath.basename(c)) for c in self.units.children(directory)):
                    return True
        return False

    def _beam_imports(self, members: list[str]) -> None:
        """The Erlang applications the kept compiled modules call (their
        import tables, codescan.beam_imports), each kept whole like one a
        source file names: RabbitMQ's rabbit_runtime calls msacc, of
        runtime_tools, which its .app does not list and no probe loaded;
        `rabbitmq-diagnostics runtime_thread_stats` on the minified image
        failed, exit 69. An application of an Erlang installation's own
        (OTP's stdlib, kept whole) is read only for the modules that were
        loaded: its other modules call half of OTP (stdlib's c and qlc
        call the compiler). But the module of such an application that
        other code calls is read, with those of its own application it
        calls in turn (_called_within)."""
        for m in members:
            if not m.endswith(".beam") or m in self._beams_read or m not in self.closure.kept:
                continue
            if m not in self._in_trace and any(k.startswith("erlang:") for k in self.units.units_of(m)):
                continue
            self._beams_read.add(m)
            own = set(self.units.units_of(m))
            for name in self._beam_calls(m):
                for key in self.units.script_libraries("erlang", name):
                    self._use(key, f"called by {m}")
                    if key not in own and key.startswith("erlang:"):
                        self._called_within(key, name, m)

    def _beam_calls(self, path: str) -> list[str]:
        """The modules compiled module path calls (its import table)."""
        st = self.units.stats.get(path)
        if st is None or not stat.S_ISREG(st.st_mode) or st.st_size > BEAM_LIMIT:
            return []
        try:
            data = self.closure.fs.read_file(path, BEAM_LIMIT)
        except PackError:
            return []
        return beam_imports(data or b"")

    def _called_within(self, key: str, module: str, caller: str) -> None:
        """Module of Erlang application key, which caller, of another,
        calls, and the modules of key it calls in turn, none of them loaded
        by the workload: the applications they call are kept whole (not
        read further). Elixir's Mix calls inets' httpc, whose
        http_transport calls ssl, which inets.app does not list: inets
        was kept whole, ssl left out, and `:httpc.request` of an https URL
        failed, undef ssl:connect."""
        root = key.split(":", 1)[1]
        if posixpath.basename(root).split("-")[0] in ERLANG_CORE_APPS:
            return      # (kept whole, and what their modules call is half of OTP: stdlib's qlc, the compiler)
        todo = [module]
        while todo:
            path = f"{root}/ebin/{todo.pop()}.beam"
            if path in self._beams_called or path in self._beams_read:
                continue
            self._beams_called.add(path)
            for name in self._beam_calls(path):
                for other in self.units.script_libraries("erlang", name):
                    if other == key:
                        todo.append(name)
                    else:
                        self._use(other, f"called by {path}, which {caller} reaches")

    def _scan_script(self, files: list[str], language: str, required: bool = False) -> None:
        """The libraries Ruby, Perl, Lua, Erlang or PHP files load (also on first use, in a
        method or a sub; with required, a Ruby file's only when it loads,
        see perl_modules for Perl's): the unit that holds each is kept
        whole, and what its own files load comes with it (_drain)."""
        for f in files:
            text = self.units.read_text(f)
            if text is not None:
                self._load_libraries(f, text, language, required)

    def _load_libraries(self, path: str, text: str, language: str, required: bool = False) -> None:
        """The units of the libraries one Ruby, Perl, Lua, Erlang, Elixir, PHP or R file loads
        (_scan_script)."""
        if language == "php":
            for name in php_requires(text):
                for key in self.units.php_libraries(name):
                    self._use(key, f"loaded by {path}")
            return
        if language == "ruby":
            # a binstub's gem (/usr/bin/erb loads erb's libexec/erb from its
            # gem directory: LoadError on a minified Sinatra image)
            for name in ruby_gems(text):
                for key in self.units.gems_named(name):
                    self._use(key, f"activated by {path}")
        names = ruby_requires(text, required) if language == "ruby" else \
            erlang_names(text) if language == "erlang" else \
            elixir_names(text) if language == "elixir" else \
            tcl_requires(text) if language == "tcl" else \
            octave_packages(text) if language == "octave" else \
            lua_requires(text) if language == "lua" else \
            r_libraries(text) if language == "r" else perl_modules(text)
        if language != "perl":
            # (Elixir calls Erlang's modules and starts its applications)
            self._use_libraries(path, names, "erlang" if language == "elixir" else language)
            return
        for name in names:      # (in turn: one found beside, with what it loads, before the next)
            if self._use_libraries(path, [name], language):
                self._perl_modules_beside(path, name)

    def _use_libraries(self, path: str, names: list[str], language: str) -> list[str]:
        """The units of the libraries path loads by names, kept whole; the
        names no library directory holds."""
        missing = []
        for name in names:
            keys = self.units.script_libraries(language, name)
            for key in keys:
                self._use(key, f"loaded by {path}")
            if not keys:
                missing.append(name)
        return missing

    def _perl_modules_beside(self, script: str, module: str) -> None:
        """A Perl module no library directory holds, which a script loads:
        beside the script (`use lib "$FindBin::Bin"`: the monitoring
        plugins' check_file_age loads utils.pm from its own directory, a
        file of another package, "Can't locate utils.pm"), else among its
        own package's files, by its file's name (TeX Live's updmap, fmtutil
        and tlmgr put texmf's tlpkg/ on @INC at start-up, from the path
        `kpsewhich` prints: "Can't locate TeXLive/TLUtils.pm"); kept with
        what it loads in turn, and so on (a worklist: a chain of private
        modules as long as a package's).

        A file required by its name (`require "mktexlsr.pl"`, fmtutil's,
        which mktexfmt is, the program libkpathsea runs by name to build a
        missing format) is looked for too; one kept already (TeX's tree is
        kept whole) is still read for what it loads: mktexlsr.pl's File::Find
        was left out, and mktexfmt failed, "Can't locate File/Find.pm"."""
        todo = [(script, module)]
        while todo:
            loader, name = todo.pop()
            final = self._final(loader) or loader
            found: list[str] = []
            for suffix in (".pm", ".pl"):
                tail = "/" + name.replace("::", "/") + suffix
                found = [beside] if (beside := parent_of(final) + tail) in self.units.stats else \
                    self._package_files_ending(final, tail)
                if found:
                    break
            for m in found:
                if m in self._private_perl or (m not in self.closure.kept and self._refuse(m, False)):
                    continue
                self._private_perl.add(m)
                if m not in self.closure.kept:
                    self.closure.add(m, f"the module {name}, which {loader} loads")
                text = self.units.read_text(m)
                loads = perl_modules(text) if text is not None else []
                todo += [(m, missing) for missing in self._use_libraries(m, loads, "perl")]

    def _package_files_ending(self, path: str, tail: str) -> list[str]:
        """The files of path's package whose names end with tail (indexed
        once a package, by base name)."""
        key = self.units.package_of.get(path)
        if key is None or key not in self.units.units:
            return []
        index = self._by_base_name.get(key)
        if index is None:
            index = self._by_base_name[key] = {}
            for m in self.units.units[key].members:
                index.setdefault(posixpath.basename(m), []).append(m)
        return [m for m in index.get(posixpath.basename(tail), []) if m.endswith(tail)]

    def _scan_python(self, files: list[str], required: bool = False,
                     texts: dict[str, str] | None = None, stdlib_only: bool = False) -> None:
        """The modules Python files import, also inside functions (imported
        on first use), followed through the modules the trace never saw
        imported: their import packages are kept, found where the
        interpreter looks (site and standard library directories). With
        required, only the imports at their top level (see python_imports).
        texts: files read already, by path. stdlib_only: only into the
        standard library, for a distribution's modules: what else they need
        they declare (Requires-Dist), and what they import without
        declaring it is optional (fontTools' symfont imports sympy, 31 MB,
        at its top level)."""
        todo = list(files)
        done = self._scanned_required if required else self._scanned
        while todo:
            f = todo.pop()
            if f in self._scanned or f in done:     # (read whole already, or as asked)
                continue
            done.add(f)
            text = texts.pop(f, None) if texts else None
            if text is None:
                text = self.units.read_text(f)
            if text is None:
                continue
            self._entry_point_plugins(f, text)
            for name in python_imports(text, required):
                dotted = _absolute(name, f, self.units)
                if not dotted:
                    continue
                self._imported_tops.add(dotted.split(".")[0])
                keys = self.units.python_modules(dotted.split(".")[0])
                if stdlib_only and not any(self.units.in_python_stdlib(k) for k in keys):
                    continue
                for key in keys:
                    self._use(key, f"imported by {f}")
                for found in self.units.module_files(dotted):
                    if found not in self._traced:     # what ran was imported already
                        todo.append(found)


def _node_test(module: str, path: str) -> bool:
    """A node module's own tests (test/, tests/ or __tests__/ at its top):
    nothing requires them (moment-timezone's are 33 MB of its 33.5)."""
    return path[len(module) + 1:].split("/", 1)[0] in ("test", "tests", "__tests__") \
        and path.startswith(module + "/")


_PHP_LIBRARY_PREFIXES = tuple(d + "/" for d in PHP_INCLUDE_DIRS)


def _code_language(path: str) -> str | None:
    """The language of a code file by its name ('python' for a .py file)."""
    return "python" if path.endswith(".py") else script_language(b"", path)


def _catalog_name(path: str) -> bool:
    """A name an XML catalog may have: *.xml, or catalog* (/etc/xml/catalog)."""
    base = posixpath.basename(path)
    return base.endswith(".xml") or base.startswith("catalog")


def _is_description(path: str) -> bool:
    """A language package's description: a gem's specification, a Python
    distribution's .dist-info or .egg-info."""
    return path.endswith(".gemspec") and "/specifications/" in path or \
        any(part.endswith((".dist-info", ".egg-info")) for part in path.split("/"))


def _php_library(path: str) -> bool:
    """A PHP file of a library directory on include_path."""
    return path.endswith(".php") and path.startswith(_PHP_LIBRARY_PREFIXES)


def _test_file(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _absolute(name: str, importer: str, units: SourceUnits) -> str | None:
    """An import's absolute dotted name; relative ones from the importer's
    package (None when the importer is not inside a Python directory)."""
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    package = parent_of(importer)
    for _ in range(level - 1):
        package = parent_of(package)
    for container in units.containers:
        if package.startswith(container + "/"):
            rest = package[len(container) + 1:].replace("/", ".")
            tail = name.lstrip(".")
            return f"{rest}.{tail}" if tail else rest
    return None


def _untraced_cache(path: str, kept: dict[str, str]) -> bool:
    """Cached bytecode the trace did not read: Python makes it again."""
    return "/__pycache__/" in path and path.endswith(".pyc") and path not in kept


def _node_deps(package_json: dict[str, object]) -> list[str]:
    out: list[str] = []
    for section in ("dependencies", "optionalDependencies", "peerDependencies"):
        deps = package_json.get(section)
        if isinstance(deps, dict):
            out += [d for d in deps if isinstance(d, str)]
    return out
