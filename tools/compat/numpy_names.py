# Prints numpy:NAME for every public function or ufunc of numpy's top-level namespace in this
# environment (run by extract_knowledge.sh in every environment; the union is measured in each).
import numpy
for name in sorted(dir(numpy)):
    if name.startswith("_"):
        continue
    obj = getattr(numpy, name, None)
    if callable(obj) and not isinstance(obj, type):
        print("numpy:" + name)
