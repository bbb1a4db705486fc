// Validates custom resources with the kubernetes-models validators (tests/support.py
// kube_validate). Reads [{module, object}] as JSON on stdin, `module` being the file of the
// object's model class; writes [{errors: [{path, message}], unknown: [path]}] on stdout, or
// [{missing: true}] for an object of no kind of the package (a module of one of its parts).
//
// The validators check types, required fields, enums, patterns and sizes, but accept any field
// they do not know. So each object is handed to its validator behind a proxy that records the
// keys the validator looks up: a validator checks every property its schema lists, whether the
// object has it or not. An object whose keys were looked up has a closed set of fields, and any
// other key in it is unknown (like `additionalProperties: false`); an object whose keys were
// listed instead is a map (labels, annotations), and one the validator never looked into is
// free-form (preserved unknown fields): both take any key.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

function watched(value, path, nodes) {
  if (value === null || typeof value !== "object") return value;
  const node = { value, path, looked: new Set(), listed: false };
  nodes.push(node);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const found = Reflect.get(target, key, receiver);
      if (typeof key !== "string") return found;
      node.looked.add(key);
      if (found === null || typeof found !== "object") return found;
      if (!children.has(key)) children.set(key, watched(found, `${path}/${key}`, nodes));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === "string") node.looked.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      node.listed = true;
      return Reflect.ownKeys(target);
    },
  });
}

const results = [];
for (const { module, object } of JSON.parse(readFileSync(0, "utf8"))) {
  const Model = (await import(pathToFileURL(module).href))[object.kind];
  if (Model?.kind !== object.kind || Model?.apiVersion !== object.apiVersion) {
    results.push({ missing: true });
    continue;
  }
  const nodes = [];
  const errors = [];
  try {
    Model.prototype.validate.call(watched(object, "", nodes));
  } catch (exc) {
    for (const e of exc.errors ?? [{ instancePath: "", message: exc.message }]) {
      errors.push({ path: e.instancePath, message: e.message });
    }
  }
  const unknown = [];
  for (const node of nodes) {
    if (Array.isArray(node.value) || node.listed || node.looked.size === 0) continue;
    for (const key of Object.keys(node.value)) {
      if (!node.looked.has(key)) unknown.push(`${node.path}/${key}`);
    }
  }
  results.push({ errors, unknown });
}
process.stdout.write(JSON.stringify(results));
