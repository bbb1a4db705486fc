"""`pligos import`: pligos.yaml from what a team already runs (a helm chart, manifests, a
compose file, a Score spec), with a parity report against the original.

Every source is read into the Kubernetes objects of each context (`original`, `sources`,
`compose`, `score`); `kube` drafts one service per workload (with `pods` and `expose`),
`emit` writes its pligos.yaml, `parity` compares the charts Pligos generates from it with the
original's objects, and `importer` runs it all.
"""
