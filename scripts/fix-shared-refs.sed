# Rewrites references to documents that used to live outside the repository into their
# in-repository homes, keeping section numbers (the documents kept their numbering):
#   sed -E -i -f scripts/fix-shared-refs.sed FILE...
# Old reference                          -> new reference
#   ../shared/ipv8-spec/PROTOCOL.md §N   -> docs/spec/PROTOCOL.md §N
#   PROTOCOL.md §N, PROTOCOL §N          -> docs/spec/PROTOCOL.md §N
#   py-ipv8 §N (the spec's section)      -> docs/spec/PROTOCOL.md §N
#   ../shared/design/UDP-FAILURES.md     -> docs/design/UDP-FAILURES.md
#   UDP-FAILURES §N                      -> docs/design/UDP-FAILURES.md §N
#   ../shared/design/ARCHITECTURE-STUDY.md, ARCHITECTURE-STUDY §N
#                                        -> docs/design/ARCHITECTURE-STUDY.md §N
#   ../shared/design/COMMUNITY-SDK.md    -> docs/design/COMMUNITY-SDK.md
#   ../shared/ipv8-spec/vectors/         -> tests/vectors/ (vectors.json; gen_vectors.py is tools/)
# Bare section marks (§5.8) inside a file that already names its document stay as they are.
# Idempotent: a reference already under docs/ is left alone.

# 1. explicit paths into the old shared folder
s#(\.\./)*shared/ipv8-spec/vectors/gen_vectors\.py#tools/gen_vectors.py#g
s#(\.\./)*shared/ipv8-spec/vectors/#tests/vectors/#g
s#(\.\./)*shared/ipv8-spec/PROTOCOL\.md#docs/spec/PROTOCOL.md#g
s#(\.\./)*shared/design/(UDP-FAILURES|ARCHITECTURE-STUDY|COMMUNITY-SDK)\.md#docs/design/\2.md#g

# 2. bare document names (not already preceded by a path)
s#(^|[^/A-Za-z0-9_-])PROTOCOL(\.md)?( §)#\1docs/spec/PROTOCOL.md\3#g
s#(^|[^/A-Za-z0-9_-])PROTOCOL\.md#\1docs/spec/PROTOCOL.md#g
s#(^|[^/A-Za-z0-9_-])(UDP-FAILURES|ARCHITECTURE-STUDY|COMMUNITY-SDK)(\.md)?#\1docs/design/\2.md#g

# 3. "py-ipv8 §N" meant the spec's section
s#py-ipv8 (§[0-9])#docs/spec/PROTOCOL.md \1#g
