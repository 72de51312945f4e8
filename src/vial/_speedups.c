/*
 * vial._speedups: compiled twins of a few hot paths written in Python.
 *
 * Each name mirrors a pure-Python version that vial uses where this module is
 * not built (see _compiled.py); the tests hold the two to the same results.
 *
 * parse(cls, data), twin of _urlencoded._parse_python, decodes
 * application/x-www-form-urlencoded data into a new ``cls`` (a dict subclass,
 * made by dict.__new__ and filled with PyDict_SetItem, which skip the
 * subclass's __init__ and __setitem__: that is how an immutable multidict is
 * filled), one list of values per key: pairs are separated by '&', a key
 * from its value by the first '=', a part without '=' is a key with an empty
 * value, empty parts are skipped, '+' is a space, "%XX" is the byte XX and a
 * '%' not followed by two hex digits stays as it is; the bytes of each key
 * and value are then read as UTF-8 with U+FFFD for invalid sequences.
 * ``data`` is bytes, or a str whose characters are its bytes (Latin-1, as a
 * WSGI server hands over QUERY_STRING); a str with characters above U+00FF
 * cannot be that and is read as text (its UTF-8 bytes).
 *
 * FirstValues, twin of _urlencoded._PythonFirstValues, is the base of such a
 * multidict: its [key] and get(key) read the first value of a key's list
 * without running Python code.
 *
 * start_message(status, headers), twin of asgi._python_start_message, is the
 * ASGI http.response.start message of a response, its header names and values
 * encoded as Latin-1.
 *
 * header_map(headers), twin of asgi._python_header_map, is the dict of an ASGI
 * request's headers by name, with the values of a repeated name joined.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* The scratch buffer on the stack; longer data gets one heap buffer per call. */
#define STACK_SCRATCH 512

static int
hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20; /* lower case */
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* The text of one key or value: src[0:n] unescaped into scratch, then decoded. */
static PyObject *
decode_part(const char *src, Py_ssize_t n, char *scratch)
{
    Py_ssize_t i = 0;
    while (i < n && src[i] != '%' && src[i] != '+') {
        i++;
    }
    if (i == n) {
        return PyUnicode_DecodeUTF8(src, n, "replace");
    }
    memcpy(scratch, src, i);
    char *out = scratch + i;
    for (; i < n; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%' && i + 2 < n) {
            int high = hex_digit((unsigned char)src[i + 1]);
            int low = high < 0 ? -1 : hex_digit((unsigned char)src[i + 2]);
            if (low >= 0) {
                c = (char)(high << 4 | low);
                i += 2;
            }
        }
        *out++ = c;
    }
    return PyUnicode_DecodeUTF8(scratch, out - scratch, "replace");
}

/* Append value to target[key], creating the list for a new key. */
static int
add_pair(PyObject *target, PyObject *key, PyObject *value)
{
    PyObject *values = PyDict_GetItemWithError(target, key);
    if (values != NULL) {
        return PyList_Append(values, value);
    }
    if (PyErr_Occurred()) {
        return -1;
    }
    values = PyList_New(1);
    if (values == NULL) {
        return -1;
    }
    Py_INCREF(value);
    PyList_SET_ITEM(values, 0, value);
    int failed = PyDict_SetItem(target, key, values);
    Py_DECREF(values);
    return failed;
}

static int
fill(PyObject *target, const char *data, Py_ssize_t size, char *scratch)
{
    const char *end = data + size;
    const char *part = data;
    for (;;) {
        const char *amp = memchr(part, '&', end - part);
        const char *part_end = amp != NULL ? amp : end;
        if (part_end > part) {
            const char *equals = memchr(part, '=', part_end - part);
            const char *key_end = equals != NULL ? equals : part_end;
            PyObject *key = decode_part(part, key_end - part, scratch);
            if (key == NULL) {
                return -1;
            }
            PyObject *value = equals != NULL
                                  ? decode_part(equals + 1, part_end - equals - 1, scratch)
                                  : PyUnicode_FromStringAndSize("", 0);
            if (value == NULL) {
                Py_DECREF(key);
                return -1;
            }
            int failed = add_pair(target, key, value);
            Py_DECREF(key);
            Py_DECREF(value);
            if (failed) {
                return -1;
            }
        }
        if (amp == NULL) {
            return 0;
        }
        part = amp + 1;
    }
}

PyDoc_STRVAR(parse_doc,
             "parse(cls, data, /)\n--\n\n"
             "A new ``cls`` (a dict subclass, its ``__init__`` not called) holding the pairs of\n"
             "urlencoded ``data`` (bytes, or Latin-1 text of its bytes): one list of values per\n"
             "key, in order.");

static PyObject *
parse(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "parse() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *cls = args[0];
    PyObject *data = args[1];
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &PyDict_Type)) {
        PyErr_SetString(PyExc_TypeError, "parse() needs a dict subclass to fill");
        return NULL;
    }
    const char *bytes;
    Py_ssize_t size;
    if (PyBytes_Check(data)) {
        bytes = PyBytes_AS_STRING(data);
        size = PyBytes_GET_SIZE(data);
    }
    else if (PyUnicode_Check(data)) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(data) < 0) {
            return NULL;
        }
#endif
        if (PyUnicode_KIND(data) == PyUnicode_1BYTE_KIND) {
            bytes = (const char *)PyUnicode_1BYTE_DATA(data);
            size = PyUnicode_GET_LENGTH(data);
        }
        else {
            bytes = PyUnicode_AsUTF8AndSize(data, &size);
            if (bytes == NULL) {
                return NULL;
            }
        }
    }
    else {
        PyErr_Format(PyExc_TypeError, "parse() decodes bytes or str, not %.100s",
                     Py_TYPE(data)->tp_name);
        return NULL;
    }
    /* dict.__new__ itself: what cls.__new__(cls) reaches, without the call's checks. */
    PyObject *no_args = PyTuple_New(0); /* the shared empty tuple */
    if (no_args == NULL) {
        return NULL;
    }
    PyObject *target = PyDict_Type.tp_new((PyTypeObject *)cls, no_args, NULL);
    Py_DECREF(no_args);
    if (target == NULL) {
        return NULL;
    }
    char stack_scratch[STACK_SCRATCH];
    char *scratch = stack_scratch;
    if (size > STACK_SCRATCH) {
        scratch = PyMem_Malloc(size);
        if (scratch == NULL) {
            Py_DECREF(target);
            return PyErr_NoMemory();
        }
    }
    int failed = fill(target, bytes, size, scratch);
    if (scratch != stack_scratch) {
        PyMem_Free(scratch);
    }
    if (failed) {
        Py_DECREF(target);
        return NULL;
    }
    return target;
}

/* -- FirstValues: the lookups of a multidict, which stores a list of values per key */

/* The first value of a key's list; NULL (no error set) when the key has none. */
static PyObject *
first_of(PyObject *self, PyObject *key)
{
    PyObject *values = PyDict_GetItemWithError(self, key);
    if (values == NULL) {
        return NULL;
    }
    if (PyList_Check(values)) {
        return PyList_GET_SIZE(values) ? Py_NewRef(PyList_GET_ITEM(values, 0)) : NULL;
    }
    /* Not a multidict's list: its own __len__ may run code that drops it from the dict. */
    Py_INCREF(values);
    PyObject *first = PySequence_Size(values) > 0 ? PySequence_GetItem(values, 0) : NULL;
    Py_DECREF(values);
    return first;
}

static PyObject *
first_values_subscript(PyObject *self, PyObject *key)
{
    PyObject *value = first_of(self, key);
    if (value != NULL || PyErr_Occurred()) {
        return value;
    }
    return PyObject_CallMethod(self, "__missing__", "O", key);
}

static const char *const get_keywords[] = {"key", "default", "type"};

PyDoc_STRVAR(first_values_get_doc,
             "get(key, default=None, type=None)\n--\n\n"
             "The first value for ``key``, converted with ``type``; ``default`` when the key\n"
             "is missing or the conversion raises ``ValueError`` or ``TypeError``.");

static PyObject *
first_values_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *given[3] = {NULL, Py_None, Py_None};
    if (nargs > 3) {
        PyErr_Format(PyExc_TypeError, "get() takes at most 3 arguments (%zd given)", nargs);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        given[i] = args[i];
    }
    Py_ssize_t keywords = kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < keywords; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);
        int slot = 0;
        while (slot < 3 && PyUnicode_CompareWithASCIIString(name, get_keywords[slot]) != 0) {
            slot++;
        }
        if (slot == 3) {
            PyErr_Format(PyExc_TypeError, "get() got an unexpected keyword argument '%U'", name);
            return NULL;
        }
        if (slot < nargs) {
            PyErr_Format(PyExc_TypeError, "get() got multiple values for argument '%U'", name);
            return NULL;
        }
        given[slot] = args[nargs + i];
    }
    if (given[0] == NULL) {
        PyErr_SetString(PyExc_TypeError, "get() missing required argument 'key'");
        return NULL;
    }
    PyObject *value = first_of(self, given[0]);
    if (value == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(given[1]);
    }
    if (given[2] == Py_None) {
        return value;
    }
    PyObject *converted = PyObject_CallOneArg(given[2], value);
    Py_DECREF(value);
    if (converted == NULL && (PyErr_ExceptionMatches(PyExc_ValueError) ||
                              PyErr_ExceptionMatches(PyExc_TypeError))) {
        PyErr_Clear();
        return Py_NewRef(given[1]);
    }
    return converted;
}

static PyMethodDef first_values_methods[] = {
    {"get", (PyCFunction)(void (*)(void))first_values_get, METH_FASTCALL | METH_KEYWORDS,
     first_values_get_doc},
    {NULL, NULL, 0, NULL},
};

static PyMappingMethods first_values_mapping = {
    .mp_subscript = first_values_subscript,
};

PyDoc_STRVAR(first_values_doc,
             "A dict of lists whose ``[key]`` and ``get`` read the first value of a key's list.\n\n"
             "A missing key (or an empty list) calls ``__missing__(key)``, which a subclass\n"
             "defines.");

/* A static type: it holds no state, and its instances are never made alone. */
static PyTypeObject FirstValues = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "vial._speedups.FirstValues",
    .tp_doc = first_values_doc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_as_mapping = &first_values_mapping,
    .tp_methods = first_values_methods,
};

/* -- start_message: the ASGI http.response.start message */

typedef struct {
    PyObject *type_key;      /* "type" */
    PyObject *start_type;    /* "http.response.start" */
    PyObject *status_key;    /* "status" */
    PyObject *headers_key;   /* "headers" */
} module_state;

/* ``text.encode("latin-1")``; a str of one byte per character is copied as it is. */
static PyObject *
latin1_bytes(PyObject *text)
{
    if (PyUnicode_Check(text) && PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND) {
        return PyBytes_FromStringAndSize((const char *)PyUnicode_1BYTE_DATA(text),
                                         PyUnicode_GET_LENGTH(text));
    }
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "a header name or value must be str, not %.100s",
                     Py_TYPE(text)->tp_name);
        return NULL;
    }
    return PyUnicode_AsLatin1String(text);
}

/* The pair (name, value) of one header, as bytes. */
static PyObject *
raw_header(PyObject *header)
{
    PyObject *pair = PySequence_Tuple(header);
    if (pair == NULL) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_ValueError, "a header is a (name, value) pair, not %zd items",
                     PyTuple_GET_SIZE(pair));
        Py_DECREF(pair);
        return NULL;
    }
    PyObject *name = latin1_bytes(PyTuple_GET_ITEM(pair, 0));
    PyObject *value = name == NULL ? NULL : latin1_bytes(PyTuple_GET_ITEM(pair, 1));
    Py_DECREF(pair);
    if (value == NULL) {
        Py_XDECREF(name);
        return NULL;
    }
    PyObject *raw = PyTuple_New(2);
    if (raw == NULL) {
        Py_DECREF(name);
        Py_DECREF(value);
        return NULL;
    }
    PyTuple_SET_ITEM(raw, 0, name);
    PyTuple_SET_ITEM(raw, 1, value);
    return raw;
}

PyDoc_STRVAR(start_message_doc,
             "start_message(status, headers, /)\n--\n\n"
             "The ASGI ``http.response.start`` message for ``status`` and ``headers`` (a list of\n"
             "``(name, value)`` str pairs), names and values encoded as Latin-1.");

static PyObject *
start_message(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "start_message() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *headers = PySequence_Fast(args[1], "start_message() needs a list of headers");
    if (headers == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(headers);
    PyObject *raw = PyList_New(count);
    if (raw == NULL) {
        Py_DECREF(headers);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *pair = raw_header(PySequence_Fast_GET_ITEM(headers, i));
        if (pair == NULL) {
            Py_DECREF(headers);
            Py_DECREF(raw);
            return NULL;
        }
        PyList_SET_ITEM(raw, i, pair);
    }
    Py_DECREF(headers);
    module_state *state = PyModule_GetState(module);
    PyObject *message = PyDict_New();
    if (message == NULL || PyDict_SetItem(message, state->type_key, state->start_type) < 0 ||
        PyDict_SetItem(message, state->status_key, args[0]) < 0 ||
        PyDict_SetItem(message, state->headers_key, raw) < 0) {
        Py_XDECREF(message);
        Py_DECREF(raw);
        return NULL;
    }
    Py_DECREF(raw);
    return message;
}

/* The name and value (new references) of one ASGI header, a (name, value) pair of
   bytes. Held, not borrowed: a list pair could change while the dict compares keys. */
static int
header_pair(PyObject *item, PyObject **name, PyObject **value)
{
    PyObject *pair = PySequence_Fast(item, "an ASGI header is a (name, value) pair");
    if (pair == NULL) {
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_ValueError, "an ASGI header is a (name, value) pair, not %zd items",
                     PySequence_Fast_GET_SIZE(pair));
        Py_DECREF(pair);
        return -1;
    }
    *name = PySequence_Fast_GET_ITEM(pair, 0);
    *value = PySequence_Fast_GET_ITEM(pair, 1);
    if (!PyBytes_Check(*name) || !PyBytes_Check(*value)) {
        PyErr_Format(PyExc_TypeError, "an ASGI header name and value must be bytes, not %.100s",
                     Py_TYPE(PyBytes_Check(*name) ? *value : *name)->tp_name);
        Py_DECREF(pair);
        return -1;
    }
    Py_INCREF(*name);
    Py_INCREF(*value);
    Py_DECREF(pair);
    return 0;
}

/* ``earlier + separator + value``, the separator "; " for the cookie header, else ", ". */
static PyObject *
joined_value(PyObject *name, PyObject *earlier, PyObject *value)
{
    int cookie = PyBytes_GET_SIZE(name) == 6 && memcmp(PyBytes_AS_STRING(name), "cookie", 6) == 0;
    Py_ssize_t left = PyBytes_GET_SIZE(earlier);
    Py_ssize_t right = PyBytes_GET_SIZE(value);
    if (left > PY_SSIZE_T_MAX - 2 - right) {
        return PyErr_NoMemory();
    }
    PyObject *joined = PyBytes_FromStringAndSize(NULL, left + 2 + right);
    if (joined == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(joined);
    memcpy(out, PyBytes_AS_STRING(earlier), left);
    out[left] = cookie ? ';' : ',';
    out[left + 1] = ' ';
    memcpy(out + left + 2, PyBytes_AS_STRING(value), right);
    return joined;
}

PyDoc_STRVAR(header_map_doc,
             "header_map(headers, /)\n--\n\n"
             "The ASGI request headers, ``(name, value)`` pairs of bytes, as a dict by name; the\n"
             "values of a repeated name are joined by ``, `` (by ``; `` for ``cookie``).");

static PyObject *
header_map(PyObject *module, PyObject *headers)
{
    PyObject *items = PySequence_Fast(headers, "ASGI headers are a sequence of (name, value) pairs");
    if (items == NULL) {
        return NULL;
    }
    PyObject *found = PyDict_New();
    if (found == NULL) {
        Py_DECREF(items);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items); i++) {
        PyObject *name, *value;
        if (header_pair(PySequence_Fast_GET_ITEM(items, i), &name, &value) < 0) {
            goto error;
        }
        /* One lookup for the usual name that comes once; the dict grows unless the
           name came before (identity cannot tell: b"" and one-byte values are shared). */
        Py_ssize_t size = PyDict_GET_SIZE(found);
        PyObject *earlier = PyDict_SetDefault(found, name, value);
        int failed = earlier == NULL;
        if (earlier != NULL && PyDict_GET_SIZE(found) == size) {
            PyObject *joined = joined_value(name, earlier, value);
            failed = joined == NULL || PyDict_SetItem(found, name, joined) < 0;
            Py_XDECREF(joined);
        }
        Py_DECREF(name);
        Py_DECREF(value);
        if (failed) {
            goto error;
        }
    }
    Py_DECREF(items);
    return found;
error:
    Py_DECREF(items);
    Py_DECREF(found);
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse", (PyCFunction)(void (*)(void))parse, METH_FASTCALL, parse_doc},
    {"start_message", (PyCFunction)(void (*)(void))start_message, METH_FASTCALL,
     start_message_doc},
    {"header_map", header_map, METH_O, header_map_doc},
    {NULL, NULL, 0, NULL},
};

static int
exec_module(PyObject *module)
{
    module_state *state = PyModule_GetState(module);
    state->type_key = PyUnicode_InternFromString("type");
    state->start_type = PyUnicode_InternFromString("http.response.start");
    state->status_key = PyUnicode_InternFromString("status");
    state->headers_key = PyUnicode_InternFromString("headers");
    if (state->type_key == NULL || state->start_type == NULL || state->status_key == NULL ||
        state->headers_key == NULL) {
        return -1;
    }
    FirstValues.tp_base = &PyDict_Type;
    return PyModule_AddType(module, &FirstValues);
}

static int
traverse_module(PyObject *module, visitproc visit, void *arg)
{
    module_state *state = PyModule_GetState(module);
    Py_VISIT(state->type_key);
    Py_VISIT(state->start_type);
    Py_VISIT(state->status_key);
    Py_VISIT(state->headers_key);
    return 0;
}

static int
clear_module(PyObject *module)
{
    module_state *state = PyModule_GetState(module);
    Py_CLEAR(state->type_key);
    Py_CLEAR(state->start_type);
    Py_CLEAR(state->status_key);
    Py_CLEAR(state->headers_key);
    return 0;
}

static void
free_module(void *module)
{
    clear_module((PyObject *)module);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "vial._speedups",
    .m_doc = "Compiled hot paths of vial (optional: pure-Python versions stand in).",
    .m_size = sizeof(module_state),
    .m_methods = methods,
    .m_slots = slots,
    .m_traverse = traverse_module,
    .m_clear = clear_module,
    .m_free = free_module,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&module);
}
