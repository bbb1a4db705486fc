"""The part of every generated Go package that does not depend on the service: the error
type, Secret, File and SecretFile, Options, and the loader that reads the environment and
the mounted files and collects every problem."""

RUNTIME = '''
// ConfigError lists everything the container lacks of what its chart gives it.
type ConfigError struct {
	// Problems holds one line per missing or unreadable item.
	Problems []string
}

func (e *ConfigError) Error() string {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("configuration of service %s is incomplete (%d %s):\\n  - %s", Service,
		len(e.Problems), noun, strings.Join(e.Problems, "\\n  - "))
}

// Secret is a secret value: printing, logging or marshalling it shows ***.
type Secret struct {
	value string
}

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.value }

// String hides the value.
func (s Secret) String() string { return "***" }

// GoString hides the value from %#v.
func (s Secret) GoString() string { return "Secret(***)" }

// MarshalJSON hides the value from encoding/json.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"***"`), nil }

// File is a mounted file; Path is where it is in the container (below PLIGOS_ROOT when set).
type File struct {
	// Path is the file's path.
	Path string
}

// ReadBytes returns the file's content.
func (f File) ReadBytes() ([]byte, error) { return os.ReadFile(f.Path) }

// ReadText returns the file's content as text.
func (f File) ReadText() (string, error) {
	data, err := os.ReadFile(f.Path)
	return string(data), err
}

// SecretFile is a file of a mounted secret.
type SecretFile struct {
	// Path is the file's path.
	Path string
}

// Reveal reads the file into a Secret, which never prints.
func (f SecretFile) Reveal() (Secret, error) {
	data, err := os.ReadFile(f.Path)
	return Secret{string(data)}, err
}

// Options changes where Load reads from; the zero value reads the container.
type Options struct {
	// Context is the context that runs (default: $PLIGOS_CONTEXT).
	Context string
	// Root is the folder mounted files are read below (default: $PLIGOS_ROOT, else /).
	Root string
	// Getenv reads a variable (default: os.LookupEnv).
	Getenv func(string) (string, bool)
}

type loader struct {
	context  string
	root     string
	getenv   func(string) (string, bool)
	problems []string
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newLoader(opts Options) *loader {
	ld := &loader{context: opts.Context, root: opts.Root, getenv: opts.Getenv}
	if ld.getenv == nil {
		ld.getenv = os.LookupEnv
	}
	if ld.context == "" {
		ld.context, _ = ld.getenv(ContextEnv)
	}
	if ld.context == "" && len(Contexts) == 1 {
		ld.context = Contexts[0]
	}
	if ld.root == "" {
		ld.root, _ = ld.getenv(RootEnv)
	}
	if ld.root == "" {
		ld.root = "/"
	}
	if ld.context != "" && !contains(Contexts, ld.context) {
		ld.problem("context %q (from Options or %s) is not one this package was generated for: %s",
			ld.context, ContextEnv, strings.Join(Contexts, ", "))
	}
	return ld
}

func (ld *loader) problem(format string, args ...any) {
	ld.problems = append(ld.problems, fmt.Sprintf(format, args...))
}

func (ld *loader) wanted(contexts []string) bool {
	return contexts == nil || contains(contexts, ld.context)
}

func (ld *loader) get(name string, contexts []string) (string, bool) {
	value, ok := ld.getenv(name)
	if !ok && ld.wanted(contexts) {
		ld.problem("environment variable %s is not set", name)
	}
	return value, ok
}

func (ld *loader) env(name string) string {
	value, _ := ld.get(name, nil)
	return value
}

func (ld *loader) optEnv(name string, contexts ...string) *string {
	if value, ok := ld.get(name, contexts); ok {
		return &value
	}
	return nil
}

func (ld *loader) integer(name string, contexts []string) (int, bool) {
	value, ok := ld.get(name, contexts)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		ld.problem("environment variable %s is %q, not a whole number", name, value)
		return 0, false
	}
	return n, true
}

func (ld *loader) intEnv(name string) int {
	n, _ := ld.integer(name, nil)
	return n
}

func (ld *loader) optIntEnv(name string, contexts ...string) *int {
	if n, ok := ld.integer(name, contexts); ok {
		return &n
	}
	return nil
}

// credential reads a friend's credential from the file the variable name+"_FILE" names,
// else from the variable name itself; files and env are the contexts giving it each way.
func (ld *loader) credential(name string, files, env, contexts []string) (Secret, bool) {
	fileVar := name + credentialFileSuffix
	if named, ok := ld.getenv(fileVar); ok {
		full := named
		if strings.HasPrefix(named, "/") {
			full = ld.path(named)
		}
		what := "credential file named by " + fileVar
		data, err := os.ReadFile(full)
		var pathErr *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			ld.problem("file %s is missing (%s)", full, what)
		case errors.As(err, &pathErr):
			ld.problem("file %s cannot be read (%s): %v", full, what, pathErr.Err)
		case err != nil:
			ld.problem("file %s cannot be read (%s): %v", full, what, err)
		case !utf8.Valid(data):
			ld.problem("file %s is not UTF-8 text (%s)", full, what)
		default:
			return Secret{string(data)}, true
		}
		return Secret{}, false
	}
	if value, ok := ld.getenv(name); ok {
		return Secret{value}, true
	}
	if ld.wanted(contexts) {
		var wanted []string
		switch {
		case contains(files, ld.context):
			wanted = []string{fileVar}
		case contains(env, ld.context):
			wanted = []string{name}
		default: // no context known: each way some context gives it
			if len(files) > 0 || len(env) == 0 {
				wanted = append(wanted, fileVar)
			}
			if len(env) > 0 || len(files) == 0 {
				wanted = append(wanted, name)
			}
		}
		ld.problem("environment variable %s is not set", strings.Join(wanted, " or "))
	}
	return Secret{}, false
}

func (ld *loader) needCredential(name string, files, env []string) Secret {
	value, _ := ld.credential(name, files, env, nil)
	return value
}

func (ld *loader) optCredential(name string, files, env []string, contexts ...string) *Secret {
	if value, ok := ld.credential(name, files, env, contexts); ok {
		return &value
	}
	return nil
}

func (ld *loader) hasEnv(names []string, contexts ...string) bool {
	if ld.context != "" {
		return contains(contexts, ld.context)
	}
	for _, name := range names {
		if _, ok := ld.getenv(name); ok {
			return true
		}
	}
	return false
}

func (ld *loader) port(port int, contexts ...string) *int {
	if ld.context != "" && !contains(contexts, ld.context) {
		return nil
	}
	return &port
}

func (ld *loader) path(path string) string {
	return filepath.Join(ld.root, filepath.FromSlash(strings.TrimLeft(path, "/")))
}

func (ld *loader) file(path, what string, contexts []string) (string, bool) {
	full := ld.path(path)
	if info, err := os.Stat(full); err == nil && !info.IsDir() {
		return full, true
	}
	if ld.wanted(contexts) {
		ld.problem("file %s is missing (%s)", full, what)
	}
	return full, false
}

func (ld *loader) needFile(path, what string) *File {
	full, _ := ld.file(path, what, nil)
	return &File{Path: full}
}

func (ld *loader) optFile(path, what string, contexts ...string) *File {
	if full, ok := ld.file(path, what, contexts); ok {
		return &File{Path: full}
	}
	return nil
}

func (ld *loader) needSecretFile(path, what string) SecretFile {
	full, _ := ld.file(path, what, nil)
	return SecretFile{Path: full}
}

func (ld *loader) optSecretFile(path, what string, contexts ...string) *SecretFile {
	if full, ok := ld.file(path, what, contexts); ok {
		return &SecretFile{Path: full}
	}
	return nil
}

func (ld *loader) hasDir(path string, contexts ...string) bool {
	if ld.context != "" {
		return contains(contexts, ld.context)
	}
	info, err := os.Stat(ld.path(path))
	return err == nil && info.IsDir()
}

// parse reads a JSON or YAML file into a struct inferred from the file in the repository.
func (ld *loader) parse(path, format string, into any) {
	data, err := os.ReadFile(path)
	if err != nil {
		return // reported as missing
	}
	if format == "yaml" {
		value, err := yamlLoad(string(data))
		if err != nil {
			ld.problem("file %s cannot be read as yaml: %v", path, err)
			return
		}
		if data, err = json.Marshal(value); err != nil {
			ld.problem("file %s cannot be read as yaml: %v", path, err)
			return
		}
	}
	if err := json.Unmarshal(data, into); err != nil {
		ld.problem("file %s does not have the expected content: %v", path, err)
	}
}
'''
