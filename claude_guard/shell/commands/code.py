"""Interpreters given code inline (`python -c`, `node -e`, `awk '...'`, `sed '...'`, SQL):
the code is handed back as `inline_code` for content scanning, and what it would open, run,
dump or send is read out of it. Python is read with `ast`; the others with patterns."""

from __future__ import annotations

import ast
import re

from claude_guard.shell.commands import options
from claude_guard.shell.commands.network import host_of
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler, Invocation, Output, is_loopback
from claude_guard.shell.words import Arg

_MAX_CODE = 64 * 1024
_PATHISH = re.compile(r"^(~|/|\.{1,2}/|\.[\w-]|[\w.-]+/)|\.[A-Za-z0-9_-]{1,12}$")
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^\s'\"`/:)]+)", re.IGNORECASE)


def _pathish(value: str) -> bool:
    if not value or len(value) > 4096 or any(c in value for c in "\n\t\r\0") or " " in value:
        return False
    if "://" in value or value.startswith(("-", "%", "{")):
        return False
    return _PATHISH.search(value) is not None


def literal_paths(inv: Invocation, literals: list[str], via: str) -> None:
    """Each path-like string literal may be opened, for reading or writing (`open(p, 'w')`):
    both are reported. A literal rooted at `/.name` is also taken under the home directory,
    for `os.homedir() + '/.aws/credentials'`."""
    for value in literals:
        if not _pathish(value):
            continue
        candidates = [value]
        if value.startswith("/."):
            candidates.append(inv.interp.home + value)
        elif value.startswith("~"):
            candidates = [inv.interp.home + value[1:]]
        for candidate in candidates:
            inv.read(candidate, via)
            inv.write(candidate, via)


def _urls(inv: Invocation, code: str, kind: str) -> bool:
    """Egress to every non-loopback URL named; True when at least one URL was named."""
    found = False
    for match in _URL.finditer(code):
        scheme, host = match.group(1).lower(), match.group(2)
        if scheme == "file":
            continue
        found = True
        if not is_loopback(host):
            inv.send(kind, host)
    return found


def _network(inv: Invocation, code: str, library: re.Pattern[str] | None, language: str) -> None:
    """Code that uses a network library sends to the URLs it names, or anywhere when it names
    none; other code sends to the URLs it names (it may hand them to a tool)."""
    if library is not None and library.search(code):
        if not _urls(inv, code, f"{language}-socket"):
            inv.send(f"{language}-socket", None)
    else:
        _urls(inv, code, f"{language}-http")


def _record(inv: Invocation, code: str) -> bool:
    if len(code) > _MAX_CODE:
        inv.blind("inline code longer than the analysis limit")
        return False
    inv.findings.inline_code[code] = None
    return True


# ----------------------------------------------------------------------------- python

_PY_OPENERS = frozenset(
    {
        "open",
        "io.open",
        "os.open",
        "codecs.open",
        "Path",
        "pathlib.Path",
        "PurePath",
        "os.fdopen",
        "shutil.copy",
        "shutil.copyfile",
        "shutil.copy2",
        "shutil.copytree",
        "shutil.move",
        "os.listdir",
        "os.scandir",
        "os.walk",
        "glob.glob",
        "glob.iglob",
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.replace",
        "tarfile.open",
        "zipfile.ZipFile",
        "sqlite3.connect",
        "np.load",
        "pd.read_csv",
        "dotenv.load_dotenv",
        "load_dotenv",
        "dotenv_values",
        "dotenv.dotenv_values",
        "os.readlink",
        "linecache.getline",
        "fileinput.input",
        "mmap.mmap",
        "os.chmod",
        "os.symlink",
        "os.link",
    }
)
_PY_SHELL = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.execv",
        "os.execvp",
        "os.execl",
        "os.execlp",
        "os.execve",
        "os.spawnv",
        "os.spawnl",
        "os.spawnlp",
        "os.spawnvp",
        "pty.spawn",
        "commands.getoutput",
    }
)
_PY_DYNAMIC = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "importlib.import_module",
        "getattr",
        "runpy.run_path",
        "runpy.run_module",
        "pickle.loads",
        "marshal.loads",
    }
)
_PY_NET = re.compile(
    r"\b(socket|urllib|urllib2|urllib3|http\.client|httplib|requests|httpx|"
    r"aiohttp|ftplib|smtplib|telnetlib|paramiko|websocket|websockets|"
    r"xmlrpc|pycurl|asyncssh|fabric|boto3|botocore|grpc|nntplib|poplib|"
    r"imaplib)\b"
)
_PY_ENV = re.compile(
    r"\b(os\.)?environ\b(?!\s*(\[|\.get\b|\.setdefault\b|\.pop\b|"
    r"\.__getitem__))|\bos\.environb\b"
)


def python_code(inv: Invocation, code: str, via: str = "python -c") -> None:
    if not _record(inv, code):
        return
    if _PY_ENV.search(code):
        inv.findings.env_dump = True
    if re.search(r"\bhttp\.server\b|\bsocketserver\b|SimpleHTTPServer", code):
        inv.send("listener", None)
    _network(inv, code, _PY_NET, "python")
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        literal_paths(inv, _quoted_literals(code), via)
        return
    literals: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            literals.append(node.value)
        elif isinstance(node, ast.Call):
            _python_call(inv, node, via)
    literal_paths(inv, literals, via)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return ""


def _python_call(inv: Invocation, node: ast.Call, via: str) -> None:
    name = _dotted(node.func)
    short = name.rsplit(".", 1)[-1]
    first = node.args[0] if node.args else None
    if name in _PY_SHELL or short in ("check_output", "Popen", "getoutput", "system"):
        _python_shell(inv, first)
    elif name in _PY_OPENERS or short in (
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "open",
    ):
        if first is not None and not _static_python(first):
            inv.blind(f"{via} opens a path computed at run time")
    elif name in _PY_DYNAMIC and first is not None and not _static_python(first):
        inv.blind(f"{via} runs code computed at run time")
    elif (
        name in ("exec", "eval")
        and isinstance(first, ast.Constant)
        and isinstance(first.value, str)
    ):
        python_code(inv, first.value, via)


def _static_python(node: ast.expr) -> bool:
    """Constant, or `sys.argv[...]` (those words are already reported as operands)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Subscript) and _dotted(node.value) in ("sys.argv", "argv"):
        return True
    return isinstance(node, (ast.List, ast.Tuple)) and all(_static_python(e) for e in node.elts)


def _python_shell(inv: Invocation, first: ast.expr | None) -> None:
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        inv.run_script(first.value, stdin="")
    elif isinstance(first, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in first.elts
    ):
        inv.run(
            [Arg(str(e.value)) for e in first.elts if isinstance(e, ast.Constant)],
            stdin="",
            piped=False,
        )
    else:
        inv.blind("inline code runs a command computed at run time")


# ----------------------------------------------------------------------------- other languages

_LITERAL = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"|`([^`]*)`")
_DYNAMIC_MARKERS = re.compile(
    r"fromCharCode|atob|Buffer\.from|\bdecode|\bpack\(|\bunpack|\bchr\b|\\x[0-9a-f]{2}|"
    r"\\u[0-9a-f]{4}|\breverse\b|\bjoin\b|\bsprintf\b|\bformat\b|\breplace\b|\bconcat\b|"
    r"\bbase64|['\"`]\s*[+.]\s*[\w$(]|[\w)\]]\s*[+.]\s*['\"`]|\$\{|#\{|\beval\b|"
    r"\bFunction\(|\bsplit\b|\bmap\b|\btr\b|\by///",
    re.IGNORECASE,
)
_FILE_OPS = re.compile(
    r"readFile|createReadStream|openSync|\bopen\b|\bfopen\b|file_get_contents|\breadfile\b|"
    r"\bfile\(|File\.|IO\.|\bslurp\b|Deno\.read|Bun\.file|\bfs\.|\brequire\b|\binclude\b|"
    r"show_source|highlight_file|SplFileObject|\bcopy\(|io\.open|io\.lines|dofile|loadfile|"
    r"<\s*\$|\bsysopen\b|\bdo\s*['\"]|readLines|read\.csv|scan\(|Get-Content|cat\b"
)
_SHELL_CALL = re.compile(
    r"\b(?:system|exec|execSync|spawnSync|spawn|execFile|execFileSync|popen|shell_exec|"
    r"passthru|proc_open|os\.execute|io\.popen|IO\.popen|Open3\.\w+|capture2|`|qx)"
    r"\s*[({]?\s*(['\"])((?:(?!\1).|\\.)*)\1"
)
_SHELL_CALL_ANY = re.compile(
    r"\b(system|execSync|spawnSync|spawn|execFile|child_process|popen|shell_exec|passthru|"
    r"proc_open|os\.execute|io\.popen|IO\.popen|Open3|qx)\b|`|%x\{"
)
_NET = {
    "node": re.compile(
        r"\b(net|http|https|dgram|tls|http2)['\"]|\bfetch\s*\(|axios|"
        r"XMLHttpRequest|WebSocket|\bnode:(net|http|https|dgram|tls)"
    ),
    "perl": re.compile(r"IO::Socket|LWP|HTTP::Tiny|Net::|\bsocket\s*\(|Mojo::UserAgent"),
    "ruby": re.compile(
        r"Net::HTTP|TCPSocket|UDPSocket|open-uri|\bSocket\b|Faraday|HTTParty|"
        r"URI\.open"
    ),
    "php": re.compile(
        r"fsockopen|curl_init|stream_socket_client|socket_create|"
        r"file_get_contents\s*\(\s*['\"]https?:|SoapClient"
    ),
    "lua": re.compile(r"socket\.|http\.request"),
    "r": re.compile(r"url\(|download\.file|httr|curl::|socketConnection"),
    "powershell": re.compile(
        r"Invoke-WebRequest|Invoke-RestMethod|Net\.WebClient|"
        r"Net\.Sockets|iwr\b|irm\b"
    ),
}
_ENV_DUMP = {
    "node": re.compile(r"process\.env\b(?!\s*(\.|\[|\?\.))"),
    "perl": re.compile(r"%ENV\b|\bkeys\s+%ENV|\beach\s+%ENV"),
    "ruby": re.compile(r"\bENV\b(?!\s*(\[|\.fetch\b|\.key\?|\.has_key\?|\.include\?))"),
    "php": re.compile(r"getenv\s*\(\s*\)|\$_ENV\b(?!\s*\[)|\$_SERVER\b(?!\s*\[)|phpinfo"),
    "lua": re.compile(r"os\.environ"),
    "r": re.compile(r"Sys\.getenv\s*\(\s*\)"),
    "powershell": re.compile(
        r"\benv:\s*(\)|$|\|)|Get-ChildItem\s+env:|gci\s+env:|dir\s+env:", re.IGNORECASE
    ),
}


def _quoted_literals(code: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _LITERAL.finditer(code)]


def script_code(inv: Invocation, language: str, code: str, via: str) -> None:
    if not _record(inv, code):
        return
    env_pattern = _ENV_DUMP.get(language)
    if env_pattern is not None and env_pattern.search(code):
        inv.findings.env_dump = True
    _network(inv, code, _NET.get(language), language)
    _shell_calls(inv, code)
    if _FILE_OPS.search(code) and _DYNAMIC_MARKERS.search(code):
        inv.blind(f"{via} may open a path it builds at run time")
    literal_paths(inv, _quoted_literals(code), via)


_BACKTICKS = re.compile(r"`([^`$#{]*)`|\b(?:qx|%x)\{([^}$#]*)\}")


def _shell_calls(inv: Invocation, code: str) -> None:
    literal_calls = [m.group(2) for m in _SHELL_CALL.finditer(code)]
    literal_calls += [m.group(1) or m.group(2) or "" for m in _BACKTICKS.finditer(code)]
    for command in literal_calls:
        inv.run_script(command, stdin="")
    if _SHELL_CALL_ANY.search(code) and not literal_calls:
        inv.blind("inline code runs a command it builds at run time")


# ----------------------------------------------------------------------------- interpreters

_PYTHON_VALUES = ("-W", "-X", "--check-hash-based-pycs")


def _python(inv: Invocation) -> Output:
    args = list(inv.args)
    index = 0
    while index < len(args):
        word = args[index].text
        index += 1
        if word in _PYTHON_VALUES:
            index += 1
        elif word == "-c" and index < len(args):
            _code_arg(inv, args[index])
            _operands_read(inv, args[index + 1 :])
            return None
        elif word == "-m" and index < len(args):
            return _python_module(inv, args[index], args[index + 1 :])
        elif word == "-" or not word.startswith("-"):
            if word != "-":
                script = args[index - 1]
                inv.read(script)
                content = inv.script_text(script)
                if content is not None:
                    python_code(inv, content, f"{inv.via} script")
                _operands_read(inv, args[index:])
                return None
            break
    return _code_from_stdin(inv)


def _python_module(inv: Invocation, module: Arg, rest: list[Arg]) -> Output:
    name = module.text
    if name in ("http.server", "SimpleHTTPServer", "smtpd", "pydoc") and "-b" not in [
        a.text for a in rest
    ]:
        inv.send("listener", None)
    if name in ("pip", "pip3"):
        parsed = options.parse(
            rest,
            (
                "-i",
                "--index-url",
                "--extra-index-url",
                "-c",
                "--constraint",
                "-t",
                "--target",
                "--prefix",
            ),
        )
        for requirement in parsed.values("-r", "--requirement", "-c", "--constraint"):
            inv.read(requirement)
        return None
    if name in (
        "base64",
        "json.tool",
        "tarfile",
        "zipfile",
        "gzip",
        "uu",
        "quopri",
        "tokenize",
        "dis",
        "pickletools",
        "py_compile",
        "filecmp",
        "difflib",
    ):
        _operands_read(inv, rest)
        return None
    return unknown_command(Invocation(inv.interp, inv.state, inv.name, rest, inv.stdin, inv.piped))


def _operands_read(inv: Invocation, args: list[Arg]) -> None:
    for arg in args:
        if not arg.text.startswith("-"):
            inv.read(arg)


def _code_arg(inv: Invocation, arg: Arg) -> None:
    if arg.dynamic:
        inv.blind("inline code is computed at run time")
        return
    python_code(inv, arg.text, f"{inv.via} -c")


def _code_from_stdin(inv: Invocation) -> Output:
    if not inv.piped:
        return None
    if inv.stdin is None:
        inv.blind("runs code read from a pipe")
        return None
    python_code(inv, inv.stdin, f"{inv.via} stdin")
    return None


def _script_written_here(inv: Invocation, language: str, script: Arg) -> None:
    """A script file written earlier in this same command line (`echo ... > x.js; node
    x.js`) is analysed like inline code; one whose text is not known is unanalysable. Files
    already in the project are the project's own programs: the pattern analysis, made for
    one-liners, would flag nearly every real program."""
    resolved = None if script.dynamic else inv.resolve(script.text)
    if resolved is None or resolved not in inv.interp.written:
        return
    content = inv.script_text(script)
    if content is not None:
        script_code(inv, language, content, f"{inv.via} script")


def _script_interpreter(
    language: str, code_flags: tuple[str, ...], values: tuple[str, ...] = ()
) -> Handler:
    """node/perl/ruby/php/lua/Rscript/osascript/pwsh: `-e CODE` style, else a script file."""

    def handler(inv: Invocation) -> Output:
        args = list(inv.args)
        codes: list[Arg] = []
        index = 0
        operands: list[Arg] = []
        while index < len(args):
            word = args[index].text
            index += 1
            if word in code_flags and index < len(args):
                codes.append(args[index])
                index += 1
            elif word in values:
                index += 1
            elif word.startswith("-") and len(word) > 1 and word != "--":
                if (
                    word[-1:] in ("e", "E")
                    and word[1:2] not in ("-",)
                    and (f"-{word[-1]}" in code_flags)
                    and index < len(args)
                ):
                    codes.append(args[index])  # perl -ne, ruby -pe
                    index += 1
                continue
            else:
                operands = args[index - 1 :]
                break
        for code in codes:
            if code.dynamic:
                inv.blind("inline code is computed at run time")
            else:
                script_code(inv, language, code.text, f"{inv.via} -e")
        if codes:
            _operands_read(inv, operands)
            if language == "perl" and any(a.text.startswith("-i") for a in args):
                for operand in operands:
                    inv.write(operand)
            return None
        if operands and operands[0].text != "-":
            inv.read(operands[0])
            _script_written_here(inv, language, operands[0])
            _operands_read(inv, operands[1:])
            return None
        if inv.piped:
            if inv.stdin is None:
                inv.blind("runs code read from a pipe")
            else:
                script_code(inv, language, inv.stdin, f"{inv.via} stdin")
        return None

    return handler


def _deno(inv: Invocation) -> Output:
    if inv.args and inv.args[0].text == "eval" and len(inv.args) > 1:
        script_code(inv, "node", inv.args[-1].text, "deno eval")
        return None
    return _script_interpreter("node", ("-e", "--eval", "-p", "--print"))(inv)


# ----------------------------------------------------------------------------- awk / sed / jq

_AWK_SHELL = re.compile(
    r"\bsystem\s*\(\s*\"((?:[^\"\\]|\\.)*)\"|\"((?:[^\"\\]|\\.)*)\"\s*\|"
    r"\s*getline|\|\s*\"((?:[^\"\\]|\\.)*)\""
)
_AWK_DYNAMIC = re.compile(
    r"getline\s*<\s*[^\"\s]|\bsystem\s*\(\s*[^\")\s]|"
    r"[\w)\]]\s*\|\s*getline|[>|]\s*[A-Za-z_$(][\w$]*\s*[;}]?\s*$|"
    r"print[^;}]*[>|]\s*[A-Za-z_(]"
)


def _awk(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args, ("-F", "-v", "-f", "--file", "-i", "--include", "-l", "--load", "-E", "--exec")
    )
    programs = parsed.values("-f", "--file", "-E", "--exec", "-i", "--include")
    for program in programs:
        inv.read(program)
    operands = parsed.operands
    if not programs and operands:
        program, operands = operands[0], operands[1:]
        if program.dynamic:
            inv.blind("the awk program is computed at run time")
        else:
            awk_program(inv, program.text)
    for operand in operands:
        if not re.match(r"^[A-Za-z_]\w*=", operand.text):
            inv.read(operand)
    return None


def awk_program(inv: Invocation, program: str) -> None:
    if not _record(inv, program):
        return
    if re.search(r"\bENVIRON\b(?!\s*\[)", program):
        inv.findings.env_dump = True
    for match in _AWK_SHELL.finditer(program):
        command = next(g for g in match.groups() if g is not None)
        inv.run_script(command.replace('\\"', '"'), stdin="")
    if _AWK_DYNAMIC.search(program):
        inv.blind("the awk program opens or runs a name it builds at run time")
    if "/inet/" in program:
        inv.send("awk-socket", None)
    literal_paths(inv, re.findall(r"\"((?:[^\"\\]|\\.)*)\"", program), "awk program")


_SED_FILE_COMMAND = re.compile(r"(?:^|[;{}\n!/0-9$,])\s*([rRwW])\s*([^\n;}]+)", re.MULTILINE)
_SED_EXEC = re.compile(
    r"(?:^|[;{}\n0-9$/])\s*e(\s|;|$)|s(.)(?:(?!\2).|\\.)*\2(?:(?!\2).|\\.)*"
    r"\2[gpiImM0-9w]*e",
    re.MULTILINE,
)


def sed_script(inv: Invocation, script: str) -> None:
    for match in _SED_FILE_COMMAND.finditer(script):
        name = match.group(2).strip()
        if not name or name in ("/dev/stdout", "/dev/stderr"):
            continue
        if match.group(1) in "rR":
            inv.read(Arg(name), "sed script")
        else:
            inv.write(Arg(name), "sed script")
    if _SED_EXEC.search(script):
        inv.blind("the sed script runs shell commands")


def _jq(inv: Invocation) -> Output:
    args = list(inv.args)
    filter_given = False
    index = 0
    files: list[Arg] = []
    while index < len(args):
        word = args[index].text
        index += 1
        if word in ("--arg", "--argjson"):
            index += 2
        elif word in ("--slurpfile", "--rawfile"):
            if index + 1 < len(args):
                inv.read(args[index + 1])
            index += 2
        elif word in ("-f", "--from-file"):
            if index < len(args):
                inv.read(args[index])
            filter_given = True
            index += 1
        elif word in ("-L", "--indent"):
            index += 1
        elif word in ("--args", "--jsonargs"):
            break
        elif word.startswith("-") and len(word) > 1:
            continue
        elif not filter_given:
            filter_given = True
            if re.search(r"(^|[^\w$.])env\b|\$ENV\b|\$__loc__", word):
                inv.findings.env_dump = True
        else:
            files.append(args[index - 1])
    for file in files:
        inv.read(file)
    return None


# ----------------------------------------------------------------------------- databases

_SQL_SHELL = re.compile(r"^\s*(?:\.shell|\.system|\\!)\s+(.+)$", re.MULTILINE)
_SQL_FILE = re.compile(
    r"^\s*(?:\.read|\.import|\.restore|\.open|\.load|\\i|\\ir|\\include|"
    r"\\include_relative|source|\\\.)\s+(\S+)",
    re.MULTILINE | re.IGNORECASE,
)
_SQL_OUT = re.compile(
    r"^\s*(?:\.output|\.once|\.backup|\.save|\.dump\s+\S+\s*>|\\o|\\out|"
    r"\\w|\\g|tee)\s+(\S+)",
    re.MULTILINE | re.IGNORECASE,
)


def sql_text(inv: Invocation, sql: str, via: str) -> None:
    if not _record(inv, sql):
        return
    for match in _SQL_SHELL.finditer(sql):
        inv.run_script(match.group(1), stdin="")
    for match in _SQL_FILE.finditer(sql):
        inv.read(match.group(1).strip("'\""), via)
    for match in _SQL_OUT.finditer(sql):
        inv.write(match.group(1).strip("'\""), via)
    if re.search(r"\bcopy\b.*\bprogram\b", sql, re.IGNORECASE | re.DOTALL):
        inv.blind("the SQL runs a server-side program")
    literal_paths(inv, _quoted_literals(sql), via)


def _sqlite(inv: Invocation) -> Output:
    parsed = options.parse(
        inv.args,
        (
            "-cmd",
            "-init",
            "-separator",
            "-nullvalue",
            "-newline",
            "-mmap",
            "-vfs",
            "-lookaside",
            "-pagecache",
            "-maxsize",
        ),
        single_dash_long=True,
    )
    for init in parsed.values("-init"):
        inv.read(init)
    for command in parsed.values("-cmd"):
        sql_text(inv, command.text, "sqlite3 SQL")
    if parsed.operands:
        inv.read(parsed.operands[0])
        inv.write(parsed.operands[0])
    for sql in parsed.operands[1:]:
        sql_text(inv, sql.text, "sqlite3 SQL")
    if inv.piped and inv.stdin:
        sql_text(inv, inv.stdin, "sqlite3 SQL")
    elif inv.piped:
        inv.blind("SQL read from a pipe")
    return None


def _db_client(
    sql_flags: tuple[str, ...],
    file_flags: tuple[str, ...],
    out_flags: tuple[str, ...],
    values: tuple[str, ...],
) -> Handler:
    def handler(inv: Invocation) -> Output:
        parsed = options.parse(
            inv.args, (*sql_flags, *file_flags, *out_flags, *values, "-h", "--host")
        )
        for sql in parsed.values(*sql_flags):
            sql_text(inv, sql.text, f"{inv.via} SQL")
        for file in parsed.values(*file_flags):
            inv.read(file)
            content = inv.static_file(file)
            if content:
                sql_text(inv, content, f"{inv.via} SQL file")
        for out in parsed.values(*out_flags):
            inv.write(out)
        for host in parsed.values("-h", "--host"):
            if not host.text.startswith("/"):
                inv.send("database", None if host.dynamic else host.text)
        for operand in parsed.operands:
            if "://" in operand.text:
                inv.send("database", None if operand.dynamic else host_of(operand.text))
        if inv.piped and inv.stdin:
            sql_text(inv, inv.stdin, f"{inv.via} SQL")
        return None

    return handler


def handlers() -> dict[str, Handler]:
    return {
        "python": _python,
        "python3": _python,
        "python2": _python,
        "py": _python,
        "pypy": _python,
        "pypy3": _python,
        "ipython": _python,
        "node": _script_interpreter(
            "node", ("-e", "--eval", "-p", "--print"), ("-r", "--require", "--import", "--loader")
        ),
        "nodejs": _script_interpreter("node", ("-e", "--eval", "-p", "--print")),
        "bun": _script_interpreter("node", ("-e", "--eval", "-p", "--print")),
        "deno": _deno,
        "perl": _script_interpreter("perl", ("-e", "-E"), ("-I", "-M", "-m", "-x")),
        "ruby": _script_interpreter("ruby", ("-e",), ("-I", "-r", "-C")),
        "php": _script_interpreter("php", ("-r", "-R", "-B", "-E"), ("-d", "-c")),
        "lua": _script_interpreter("lua", ("-e",), ("-l",)),
        "luajit": _script_interpreter("lua", ("-e",), ("-l",)),
        "Rscript": _script_interpreter("r", ("-e",)),
        "osascript": _script_interpreter("powershell", ("-e",)),
        "pwsh": _script_interpreter("powershell", ("-c", "-Command", "-command")),
        "powershell": _script_interpreter("powershell", ("-c", "-Command", "-command")),
        "awk": _awk,
        "gawk": _awk,
        "mawk": _awk,
        "nawk": _awk,
        "busybox-awk": _awk,
        "jq": _jq,
        "gojq": _jq,
        "jaq": _jq,
        "sqlite3": _sqlite,
        "sqlite": _sqlite,
        "psql": _db_client(
            ("-c", "--command"),
            ("-f", "--file"),
            ("-o", "--output", "-L", "--log-file"),
            (
                "-d",
                "--dbname",
                "-U",
                "--username",
                "-p",
                "--port",
                "-v",
                "--set",
                "--variable",
                "-P",
                "--pset",
                "-T",
                "-F",
                "-R",
            ),
        ),
        "mysql": _db_client(
            ("-e", "--execute"),
            ("--defaults-file", "--defaults-extra-file"),
            ("--tee",),
            ("-u", "--user", "-P", "--port", "-D", "--database", "-p"),
        ),
        "mariadb": _db_client(
            ("-e", "--execute"),
            ("--defaults-file",),
            ("--tee",),
            ("-u", "--user", "-P", "--port", "-D", "--database"),
        ),
        "mongosh": _db_client(("--eval",), ("-f", "--file"), (), ("-u", "-p", "--port")),
        "redis-cli": _db_client((), (), (), ("-p", "-a", "-n", "-u", "--user", "--pass")),
    }
