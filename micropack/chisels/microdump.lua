--[[
microdump: the files a container's processes used, for micropack's packer.

    sysdig -r kdump.scap -c microdump [container-id]

Prints one absolute path per line, sorted and unique: successful (or
permission-denied) opens, creats, execs, stats, accesses, readlinks and
chdirs, plus each traced process's executable. A name a line cannot hold as
it is (a control character such as a newline, or a space or tab at its end)
is printed C-quoted, as micropack's files.txt contract says:
"/srv/a\nb" for the name "/srv/a<newline>b". Relative names are resolved
the way the kernel did (against the cwd or the directory fd, as sysdig's
state tracks them). Paths under /proc, /sys and /dev are left out.

With MICRODUMP_FORMAT=jsonl in the environment it prints every event as a
JSON object instead (the records micropack's sysdig backend reads).
--]]

description = "Lists the absolute paths of every file a container's processes used (opened, executed, stat'ed, accessed, read as a link, chdir'ed into), for micropack."
short_description = "files used by a container, for micropack"
category = "misc"

args = {
    {
        name = "container_id",
        description = "Only this container (its id as sysdig prints it, 12 characters, or longer). Default: every container, not the host.",
        argtype = "string",
        optional = true
    },
}

local json = require "dkjson"

local container_filter = nil
local format = os.getenv("MICRODUMP_FORMAT") or "paths"
local files = {}
local seen_exe = {}
local events = 0

-- Lookups that failed with these found no file (same rule as micropack).
local MISSING = { [2] = true, [9] = true, [14] = true, [20] = true, [36] = true, [40] = true }

local TYPES = "open,openat,openat2,creat,execve,execveat,stat,lstat,stat64,lstat64," ..
              "newfstatat,access,faccessat,readlink,readlinkat,chdir,fchdir"

function on_set_arg(name, val)
    if name == "container_id" then
        container_filter = string.sub(val, 1, 12)
        return true
    end
    return false
end

local f = {}
function on_init()
    if format ~= "paths" and format ~= "jsonl" then
        print("microdump: MICRODUMP_FORMAT must be paths or jsonl, not " .. format)
        return false
    end
    for _, name in ipairs({ "evt.type", "evt.rawres", "evt.rawtime", "fd.name", "evt.arg.name",
                            "evt.arg.path", "evt.rawarg.name", "evt.rawarg.path", "evt.arg.exe",
                            "evt.arg.filename", "evt.rawarg.flags", "proc.pid", "thread.tid",
                            "proc.name", "proc.exepath", "proc.cwd", "container.id" }) do
        f[name] = chisel.request_field(name)
    end
    local filter = "evt.dir=< and evt.type in (" .. TYPES .. ")"
    if container_filter then
        filter = filter .. " and container.id=" .. container_filter
    else
        filter = filter .. " and container.id!=host"
    end
    chisel.set_filter(filter)
    return true
end

local function field(name)
    local v = evt.field(f[name])
    if v == nil or v == "<NA>" or v == "" then
        return nil
    end
    return v
end

-- sysdig displays a relative path argument as "raw(resolved)".
local function resolved_arg(shown)
    if shown == nil then
        return nil
    end
    if string.sub(shown, 1, 1) == "/" then
        return shown
    end
    local open = string.find(shown, "(", 1, true)
    if open and string.sub(shown, -1) == ")" then
        local inner = string.sub(shown, open + 1, -2)
        if string.sub(inner, 1, 1) == "/" then
            return inner
        end
    end
    return nil
end

local function join(dir, name)
    if dir == nil or name == nil then
        return nil
    end
    if string.sub(name, 1, 1) == "/" then
        return name
    end
    if string.sub(dir, -1) ~= "/" then
        dir = dir .. "/"
    end
    return dir .. name
end

local function pseudo(path)
    for _, root in ipairs({ "/proc", "/sys", "/dev" }) do
        if path == root or string.sub(path, 1, #root + 1) == root .. "/" then
            return true
        end
    end
    return false
end

-- files.txt's quoting (micropack/record.py quote_path): a line starting with
-- '/' is the name as it is; any other name is written between double quotes
-- with \\, \", \n, \t, \r and \ooo escapes, so no name can add a line.
local ESCAPES = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

local function quote(path)
    if not string.find(path, "%c") and not string.find(path, "[ \t]$") then
        return path
    end
    return '"' .. string.gsub(path, '[%c"\\]', function(c)
        return ESCAPES[c] or string.format("\\%03o", string.byte(c))
    end) .. '"'
end

-- sysdig prints a name with control characters removed (evt.arg.*) or
-- turned into dots (fd.name); only the raw argument has its real bytes. A
-- path made from the printed form is put back together from the raw name,
-- or, when that cannot be done, reported as unresolved: never as another name.
local function exact(path, raw)
    if raw == nil or not string.find(raw, "%c") then
        return path
    end
    if string.sub(raw, 1, 1) == "/" then
        return raw
    end
    if path ~= nil then
        for _, printed in ipairs({ (string.gsub(raw, "%c", ".")), (string.gsub(raw, "%c", "")) }) do
            local n = #printed
            if #path > n and string.sub(path, -n - 1) == "/" .. printed then
                return string.sub(path, 1, #path - n) .. raw
            end
        end
    end
    return nil
end

local function emit(kind, path, res, raw)
    events = events + 1
    if format == "jsonl" then
        print(json.encode({
            time = tonumber(field("evt.rawtime") or 0) / 1e9,
            pid = tonumber(field("proc.pid") or 0),
            tid = tonumber(field("thread.tid") or 0),
            comm = field("proc.name") or "",
            syscall = kind,
            path = path or raw or "",
            flags = tonumber(field("evt.rawarg.flags") or 0) or 0,
            result = res,
            resolved = path ~= nil,
            container = field("container.id") or "",
        }))
        return
    end
    if path == nil or pseudo(path) then
        return
    end
    if res < 0 and MISSING[-res] then
        return
    end
    files[path] = true
end

function on_event()
    local kind = field("evt.type")
    local res = tonumber(field("evt.rawres") or 0) or 0
    local pid = field("proc.pid")

    -- The executable of every traced process, once: execs that happened
    -- before the capture began are otherwise invisible.
    local exe = field("proc.exepath")
    if pid and exe and string.sub(exe, 1, 1) == "/" and not seen_exe[pid .. exe] then
        seen_exe[pid .. exe] = true
        emit("exe", exe, 0, exe)
    end

    if kind == "execve" or kind == "execveat" then
        if res == 0 then
            return true   -- reported above through proc.exepath
        end
        local shown = field("evt.arg.exe") or field("evt.arg.filename")
        emit(kind, resolved_arg(shown) or join(field("proc.cwd"), shown), res, shown)
        return true
    end

    local shown = field("evt.arg.name") or field("evt.arg.path")
    local path
    if kind == "fchdir" then
        path = res == 0 and field("proc.cwd") or nil
        shown = path
    elseif (kind == "open" or kind == "openat" or kind == "openat2" or kind == "creat") and res >= 0 then
        path = field("fd.name")
    end
    if path == nil then
        path = resolved_arg(shown)
    end
    if path == nil and shown ~= nil and (kind == "chdir" or kind == "stat" or kind == "lstat"
            or kind == "access" or kind == "readlink" or kind == "open" or kind == "creat") then
        path = join(field("proc.cwd"), shown)
    end
    if kind == "chdir" and res == 0 then
        path = field("proc.cwd") or path
    end
    if path == nil and shown == nil then
        return true   -- a generic event sysdig did not decode (no path recorded)
    end
    local raw = field("evt.rawarg.name") or field("evt.rawarg.path")
    while raw ~= nil and string.byte(raw, -1) == 0 do
        raw = string.sub(raw, 1, -2)     -- the raw argument keeps its terminating NUL
    end
    if raw ~= nil and string.find(raw, "%c") then
        path = exact(path, raw)
        shown = raw
    end
    emit(kind, path, res, shown)
    return true
end

function on_capture_end()
    if format == "paths" then
        local sorted = {}
        for path, _ in pairs(files) do
            table.insert(sorted, path)
        end
        table.sort(sorted)
        for _, path in ipairs(sorted) do
            print(quote(path))
        end
    end
    return true
end
