import sklearn, warnings
warnings.filterwarnings("ignore")
from sklearn.utils import all_estimators
try:
    from sklearn.utils import get_tags
    def an(e): return get_tags(e).input_tags.allow_nan
except ImportError:
    from sklearn.utils._tags import _safe_tags
    def an(e):
        try: return _safe_tags(e, key="allow_nan")
        except Exception: return e._get_tags().get("allow_nan")
out=[]
for name, cls in all_estimators():
    try:
        e = cls()
    except Exception:
        continue
    try:
        if an(e): out.append(name)
    except Exception as ex:
        pass
print(sklearn.__version__, out)
