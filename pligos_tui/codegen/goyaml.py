"""The YAML reader generated Go packages carry: the same subset as miniyaml.py, in Go."""

READER = r'''
// yamlError is YAML this package's reader does not support, or that is not valid.
type yamlError struct{ msg string }

func (e *yamlError) Error() string { return e.msg }

func yamlErrorf(line int, format string, args ...any) error {
	return &yamlError{fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}
}

var (
	yamlInt   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

func yamlScalar(text string, line int) (any, error) {
	switch text {
	case "", "~", "null", "Null", "NULL":
		return nil, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	if yamlInt.MatchString(text) {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
		return nil, yamlErrorf(line, "number %q is too large", text)
	}
	if yamlFloat.MatchString(text) {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, yamlErrorf(line, "bad number %q", text)
		}
		return f, nil
	}
	if strings.ContainsRune("&*!|>%@`'\"{[]}#,?", rune(text[0])) || strings.HasPrefix(text, "- ") || text == "-" {
		return nil, yamlErrorf(line, "unsupported value %q", text)
	}
	return text, nil
}

var yamlEscapes = map[byte]string{'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", 'n': "\n",
	'v': "\v", 'f': "\f", 'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\",
	'N': "\u0085", '_': "\u00a0"}

// yamlQuoted reads the quoted string starting at text[pos]; it returns the string and the
// index after it.
func yamlQuoted(text string, pos, line int) (string, int, error) {
	quote := text[pos]
	var out strings.Builder
	i := pos + 1
	for i < len(text) {
		c := text[i]
		if quote == '\'' && c == '\'' {
			if strings.HasPrefix(text[i:], "''") {
				out.WriteByte('\'')
				i += 2
				continue
			}
			return out.String(), i + 1, nil
		}
		if quote == '"' && c == '"' {
			return out.String(), i + 1, nil
		}
		if quote == '"' && c == '\\' && i+1 < len(text) {
			esc := text[i+1]
			if s, ok := yamlEscapes[esc]; ok {
				out.WriteString(s)
				i += 2
				continue
			}
			size := map[byte]int{'x': 2, 'u': 4, 'U': 8}[esc]
			if size > 0 && i+2+size <= len(text) {
				if n, err := strconv.ParseUint(text[i+2:i+2+size], 16, 32); err == nil {
					out.WriteRune(rune(n))
					i += 2 + size
					continue
				}
			}
			return "", 0, yamlErrorf(line, "unsupported escape in %q", text)
		}
		if quote == '"' && c == '\\' {
			return "", 0, yamlErrorf(line, "unsupported escape in %q", text)
		}
		out.WriteByte(c)
		i++
	}
	return "", 0, yamlErrorf(line, "unterminated quoted string")
}

// yamlStripComment returns the line without a trailing comment.
func yamlStripComment(text string, line int) (string, error) {
	i := 0
	for i < len(text) {
		c := text[i]
		if (c == '\'' || c == '"') && (i == 0 || strings.IndexByte(" \t[{,:", text[i-1]) >= 0) {
			_, end, err := yamlQuoted(text, i, line)
			if err != nil {
				return "", err
			}
			i = end
			continue
		}
		if c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t') {
			return strings.TrimRight(text[:i], " \t"), nil
		}
		i++
	}
	return strings.TrimRight(text, " \t"), nil
}

func yamlTrim(s string) string { return strings.Trim(s, " \t") }

func yamlSkipSpaces(text string, pos int) int {
	for pos < len(text) && text[pos] == ' ' {
		pos++
	}
	return pos
}

// yamlFlow reads a flow collection or scalar starting at text[pos].
func yamlFlow(text string, pos, line int) (any, int, error) {
	pos = yamlSkipSpaces(text, pos)
	if pos >= len(text) {
		return nil, 0, yamlErrorf(line, "unexpected end of a flow collection")
	}
	c := text[pos]
	if c == '[' || c == '{' {
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		items := []any{}
		mapping := map[string]any{}
		pos++
		for {
			pos = yamlSkipSpaces(text, pos)
			if pos < len(text) && text[pos] == closing {
				if c == '[' {
					return items, pos + 1, nil
				}
				return mapping, pos + 1, nil
			}
			value, next, err := yamlFlow(text, pos, line)
			if err != nil {
				return nil, 0, err
			}
			pos = yamlSkipSpaces(text, next)
			if c == '{' {
				key, ok := value.(string)
				if pos >= len(text) || text[pos] != ':' || !ok {
					return nil, 0, yamlErrorf(line, "expected 'key: value' in %q", text)
				}
				if _, dup := mapping[key]; dup {
					return nil, 0, yamlErrorf(line, "duplicate key %q", key)
				}
				value, next, err = yamlFlow(text, pos+1, line)
				if err != nil {
					return nil, 0, err
				}
				mapping[key] = value
				pos = yamlSkipSpaces(text, next)
			} else {
				items = append(items, value)
			}
			if pos < len(text) && text[pos] == ',' {
				pos++
			} else if pos >= len(text) || text[pos] != closing {
				return nil, 0, yamlErrorf(line, "expected ',' or '%c' in %q", closing, text)
			}
		}
	}
	if c == '\'' || c == '"' {
		s, end, err := yamlQuoted(text, pos, line)
		return s, end, err
	}
	end := pos
	for end < len(text) && strings.IndexByte(",]}", text[end]) < 0 &&
		!(text[end] == ':' && (end+1 == len(text) || strings.IndexByte(" ,]}", text[end+1]) >= 0)) {
		end++
	}
	value, err := yamlScalar(yamlTrim(text[pos:end]), line)
	return value, end, err
}

// yamlValue reads a whole inline value.
func yamlValue(text string, line int) (any, error) {
	if strings.IndexByte("[{'\"", text[0]) >= 0 {
		value, end, err := yamlFlow(text, 0, line)
		if err != nil {
			return nil, err
		}
		if yamlTrim(text[end:]) != "" {
			return nil, yamlErrorf(line, "unexpected text after %q", text[:end])
		}
		return value, nil
	}
	return yamlScalar(text, line)
}

// yamlSplitKey returns the key and the rest when the line is a mapping entry.
func yamlSplitKey(text string, line int) (key, rest string, ok bool, err error) {
	if text[0] == '\'' || text[0] == '"' {
		k, end, err := yamlQuoted(text, 0, line)
		if err != nil {
			return "", "", false, err
		}
		r := strings.TrimLeft(text[end:], " ")
		if r == ":" || strings.HasPrefix(r, ": ") {
			return k, yamlTrim(r[1:]), true, nil
		}
		return "", "", false, nil
	}
	if strings.IndexByte("[{?&*!|>%@`#", text[0]) >= 0 {
		return "", "", false, nil
	}
	for i := 0; i < len(text); i++ {
		if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ') {
			k := strings.TrimRight(text[:i], " \t")
			scalar, err := yamlScalar(k, line)
			if err != nil {
				return "", "", false, err
			}
			if _, isString := scalar.(string); !isString {
				return "", "", false, yamlErrorf(line, "key %q is not a string", k)
			}
			return k, yamlTrim(text[i+1:]), true, nil
		}
	}
	return "", "", false, nil
}

type yamlRow struct {
	indent int
	text   string
	index  int
}

type yamlReader struct {
	raw  []string
	rows []yamlRow
	pos  int
}

func isSequenceEntry(text string) bool {
	return text == "-" || strings.HasPrefix(text, "- ")
}

func newYAMLReader(text string) (*yamlReader, error) {
	r := &yamlReader{raw: strings.Split(text, "\n")}
	started := false
	for index, raw := range r.raw {
		raw = strings.TrimRight(raw, "\r")
		body := strings.TrimLeft(raw, " ")
		if strings.HasPrefix(body, "\t") {
			return nil, yamlErrorf(index+1, "tab in indentation")
		}
		content, err := yamlStripComment(body, index+1)
		if err != nil {
			return nil, err
		}
		if content == "" {
			continue
		}
		if content == "---" || strings.HasPrefix(content, "--- ") {
			if started || content != "---" {
				return nil, yamlErrorf(index+1, "only one document is supported")
			}
			started = true
			continue
		}
		if strings.HasPrefix(content, "%") || content == "..." {
			return nil, yamlErrorf(index+1, "directives are not supported")
		}
		started = true
		r.rows = append(r.rows, yamlRow{len(raw) - len(body), content, index})
	}
	return r, nil
}

func (r *yamlReader) load() (any, error) {
	if len(r.rows) == 0 {
		return nil, nil
	}
	value, err := r.block(r.rows[0].indent)
	if err != nil {
		return nil, err
	}
	if r.pos < len(r.rows) {
		return nil, yamlErrorf(r.rows[r.pos].index+1, "unexpected indentation")
	}
	return value, nil
}

func (r *yamlReader) block(indent int) (any, error) {
	row := r.rows[r.pos]
	if isSequenceEntry(row.text) {
		return r.sequence(row.indent)
	}
	_, _, isEntry, err := yamlSplitKey(row.text, row.index+1)
	if err != nil {
		return nil, err
	}
	if isEntry {
		return r.mapping(row.indent)
	}
	r.pos++
	if r.pos < len(r.rows) && r.rows[r.pos].indent > indent {
		return nil, yamlErrorf(row.index+2, "multi-line plain scalars are not supported")
	}
	return yamlValue(row.text, row.index+1)
}

func (r *yamlReader) nested(indent int) (any, error) {
	if r.pos < len(r.rows) && r.rows[r.pos].indent > indent {
		return r.block(r.rows[r.pos].indent)
	}
	return nil, nil
}

func (r *yamlReader) sequence(indent int) ([]any, error) {
	items := []any{}
	for r.pos < len(r.rows) {
		row := r.rows[r.pos]
		if row.indent != indent || !isSequenceEntry(row.text) {
			break
		}
		rest := strings.TrimLeft(row.text[1:], " ")
		var item any
		var err error
		if rest == "" {
			r.pos++
			item, err = r.nested(indent)
		} else {
			at := row.indent + len(row.text) - len(rest)
			r.rows[r.pos] = yamlRow{at, rest, row.index}
			item, err = r.block(at)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

func (r *yamlReader) mapping(indent int) (map[string]any, error) {
	out := map[string]any{}
	for r.pos < len(r.rows) {
		row := r.rows[r.pos]
		if row.indent != indent {
			if row.indent > indent {
				return nil, yamlErrorf(row.index+1, "unexpected indentation")
			}
			break
		}
		key, rest, ok, err := yamlSplitKey(row.text, row.index+1)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, yamlErrorf(row.index+1, "expected 'key: value'")
		}
		if _, dup := out[key]; dup {
			return nil, yamlErrorf(row.index+1, "duplicate key %q", key)
		}
		r.pos++
		var value any
		switch {
		case strings.HasPrefix(rest, "|") || strings.HasPrefix(rest, ">"):
			value, err = r.blockScalar(rest, indent, row.index)
		case rest != "":
			value, err = yamlValue(rest, row.index+1)
		case r.pos < len(r.rows) && r.rows[r.pos].indent == indent && isSequenceEntry(r.rows[r.pos].text):
			value, err = r.sequence(indent)
		default:
			value, err = r.nested(indent)
		}
		if err != nil {
			return nil, err
		}
		out[key] = value
	}
	return out, nil
}

func indentOf(line string) int {
	return len(line) - len(strings.TrimLeft(line, " "))
}

func (r *yamlReader) blockScalar(header string, indent, index int) (string, error) {
	switch header {
	case "|", "|-", "|+", ">", ">-", ">+":
	default:
		return "", yamlErrorf(index+1, "unsupported block scalar %q", header)
	}
	stop := index + 1
	for stop < len(r.raw) {
		raw := strings.TrimRight(r.raw[stop], "\r")
		if yamlTrim(raw) != "" && indentOf(raw) <= indent {
			break
		}
		stop++
	}
	for r.pos < len(r.rows) && r.rows[r.pos].index < stop {
		r.pos++
	}
	lines := []string{}
	for _, raw := range r.raw[index+1 : stop] {
		lines = append(lines, strings.TrimRight(raw, "\r"))
	}
	if stop == len(r.raw) && len(lines) > 0 && r.raw[len(r.raw)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	contentEnd := len(lines)
	for contentEnd > 0 && yamlTrim(lines[contentEnd-1]) == "" {
		contentEnd--
	}
	body := lines[:contentEnd]
	trailing := len(lines) - contentEnd
	if len(body) == 0 {
		return "", nil
	}
	width := -1
	for _, x := range body {
		if yamlTrim(x) != "" && (width < 0 || indentOf(x) < width) {
			width = indentOf(x)
		}
	}
	if indentOf(body[0]) != width {
		return "", yamlErrorf(index+2, "unsupported block scalar indentation")
	}
	textLines := make([]string, len(body))
	for i, x := range body {
		if len(x) >= width {
			textLines[i] = x[width:]
		}
	}
	var text string
	if header[0] == '|' {
		text = strings.Join(textLines, "\n")
	} else {
		for i, x := range textLines {
			if strings.HasPrefix(x, " ") {
				return "", yamlErrorf(index+2, "more-indented lines in a folded scalar are not supported")
			}
			switch {
			case i == 0:
				text = x
			case x == "":
				text += "\n"
			case textLines[i-1] != "":
				text += " " + x
			default:
				text += x
			}
		}
	}
	switch {
	case strings.HasSuffix(header, "-"):
		return text, nil
	case strings.HasSuffix(header, "+"):
		return text + strings.Repeat("\n", 1+trailing), nil
	}
	return text + "\n", nil
}

// yamlLoad reads a YAML document of the subset config files use: block mappings and
// sequences, quoted and plain scalars, one-line flow collections and block scalars.
func yamlLoad(text string) (any, error) {
	r, err := newYAMLReader(text)
	if err != nil {
		return nil, err
	}
	return r.load()
}
'''
