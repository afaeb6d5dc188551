// The doctor against reality: for every fixture of every version and every other measured target,
// the verdict must match what plain joblib.load did in the real target (tests/compat/baseline.json,
// measured by tools/compat/matrix.sh in the real environments).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "skbridge/compat.h"
#include "skbridge/error.h"

namespace skbridge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Expected(const std::string& status) {
  if (status == "same") return "ok";
  if (status == "load_error") return "load-fails";
  if (status == "predict_error") return "predict-fails";
  if (status == "different") return "predicts-differently";
  return status;
}

TEST(Doctor, AgreesWithWhatTheRealTargetsDid) {
  fs::path root = fs::path(SKBRIDGE_SOURCE_DIR);
  std::ifstream in(root / "tests" / "compat" / "baseline.json");
  ASSERT_TRUE(in) << "tests/compat/baseline.json missing";
  json baseline = json::parse(in);
  int agree = 0, total = 0, safe_agree = 0;
  std::map<std::string, int> confusion;
  std::vector<std::string> disagreements;
  for (auto& [source, targets] : baseline.items()) {
    for (auto& [target, cases] : targets.items()) {
      Target t = Target::Parse("sklearn=" + target);
      for (auto& [name, c] : cases.items()) {
        fs::path file = root / "tests" / "fixtures" / source / (name + ".joblib");
        if (!fs::exists(file)) continue;
        DoctorReport r = Doctor(ReadModelFile(file.string()), t);
        std::string want = Expected(c["status"]);
        std::string got = VerdictName(r.verdict);
        if (got == "unverified") got = "ok";
        ++total;
        bool want_safe = want == "ok", got_safe = got == "ok";
        safe_agree += want_safe == got_safe;
        if (got == want) {
          ++agree;
        } else {
          ++confusion[want + " -> " + got];
          std::string first = r.findings.empty() ? "" : r.findings.front().message.substr(0, 140);
          disagreements.push_back(source + " -> " + target + " " + name + ": real " + want + (c["error"].is_string() ? " (" + c["error"].get<std::string>().substr(0, 100) + ")" : "") +
                                  ", doctor " + got + (first.empty() ? "" : " (" + first + ")"));
        }
      }
    }
  }
  for (const auto& d : disagreements) std::printf("DISAGREE %s\n", d.c_str());
  for (const auto& [k, n] : confusion) std::printf("confusion %-40s %d\n", k.c_str(), n);
  std::printf("doctor agrees with the real targets on %d of %d (%.1f%%); safe/unsafe agreement %d of %d\n", agree, total,
              100.0 * agree / std::max(total, 1), safe_agree, total);
  EXPECT_GT(total, 2000);
  // Every case agrees (docs/doctor.md); a disagreement is listed above as DISAGREE.
  EXPECT_EQ(agree, total) << "the doctor disagrees with what a real target did";
}

// A class the target holds under no module path cannot be ported: the fix names the measured
// versions that have it instead of suggesting a port (a real 0.19 KNeighborsClassifier with a
// kd-tree, from the wild corpus).
TEST(Doctor, ClassMissingEverywhereInTheTargetNamesTheVersionsThatHaveIt) {
  fs::path file = fs::path(SKBRIDGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "wild" / "SensorTeam__classifier-mk1" / "knn_model.sav";
  if (!fs::exists(file)) GTEST_SKIP() << "wild corpus not found";
  DoctorReport r = Doctor(ReadModelFile(file.string()), Target::Parse("sklearn=1.4.2"));
  bool binary_tree = false, moved = false;
  for (const auto& f : r.findings) {
    if (f.message.find("kd_tree.BinaryTree") != std::string::npos) {
      binary_tree = true;
      EXPECT_FALSE(f.portable);
      EXPECT_NE(f.fix.find("measured: 0.23.2"), std::string::npos) << f.fix;
    }
    if (f.message.find("sklearn.neighbors.classification.KNeighborsClassifier") != std::string::npos) {
      moved = true;  // the class moved to sklearn.neighbors._classification: a port renames it
      EXPECT_TRUE(f.portable);
      EXPECT_NE(f.fix.find("skbridge port"), std::string::npos) << f.fix;
    }
  }
  EXPECT_TRUE(binary_tree);
  EXPECT_TRUE(moved);
}

// An unmeasured target still gets the version-threshold rules, and no fix that port would refuse.
TEST(Doctor, UnmeasuredTargetGetsRulesButNoPortHint) {
  fs::path file = fs::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures" / "1.2.1" / "DecisionTreeClassifier_multiclass.joblib";
  DoctorReport r = Doctor(ReadModelFile(file.string()), Target::Parse("sklearn=1.3.2,numpy=1.26.4,python=3.11,joblib=1.3.2"));
  bool layout = false;
  for (const auto& f : r.findings) {
    EXPECT_FALSE(f.fix.starts_with("skbridge port ")) << f.fix;
    layout |= f.verdict == Verdict::kLoadFails && f.message.find("8") != std::string::npos;
  }
  EXPECT_TRUE(layout);  // 7 -> 8 node fields at 1.3
}

// SAMME's vote changed in 1.4: a silent change in both directions, portable only downwards (port
// rewrites a 1.4+ SAMME model as SAMME.R).
TEST(Doctor, SammeAcross14IsASilentChange) {
  fs::path fixtures = fs::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures";
  auto finding = [](const DoctorReport& r) -> const Finding* {
    for (const auto& f : r.findings) {
      if (f.change.find("SAMME votes") != std::string::npos) return &f;
    }
    return nullptr;
  };
  ModelFile old_samme = ReadModelFile((fixtures / "1.2.1" / "AdaBoostClassifier_binary.joblib").string());
  for (auto& [key, v] : const_cast<Value*>(old_samme.graph.root->State())->entries) {
    if (key->text == "algorithm") const_cast<Value*>(v)->text = "SAMME";
  }
  DoctorReport to_14 = Doctor(old_samme, Target::Parse("sklearn=1.4.2"));
  const Finding* up = finding(to_14);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->verdict, Verdict::kPredictsDifferently);
  EXPECT_FALSE(up->portable);
  ModelFile new_samme = ReadModelFile((fixtures / "1.9.0" / "AdaBoostClassifier_binary.joblib").string());
  DoctorReport to_12 = Doctor(new_samme, Target::Parse("sklearn=1.2.1"));
  const Finding* down = finding(to_12);
  ASSERT_NE(down, nullptr);
  EXPECT_TRUE(down->portable);
  DoctorReport same_side = Doctor(new_samme, Target::Parse("sklearn=1.4.2"));
  EXPECT_EQ(finding(same_side), nullptr);
}

// numpy's top-level names are measured in every environment: numpy 2 removed round_ (a 0.23
// FunctionTransformer(func=np.round_) names it), numpy 1.24 still has it.
TEST(Doctor, NumpyFunctionsRemovedInNumpy2AreMeasured) {
  fs::path file = fs::path(SKBRIDGE_SOURCE_DIR) / "tests" / "fixtures" / "0.23.2" / "FunctionTransformer_log1p.joblib";
  ModelFile f = ReadModelFile(file.string());
  Value* round_ = f.graph.New(Kind::kGlobal);
  round_->text = f.graph.Store("numpy");
  round_->name = f.graph.Store("round_");
  for (auto& [k, v] : const_cast<Value*>(f.graph.root->State())->entries) {
    if (k->text == "func") v = round_;
  }
  GlobalRef ref;
  ref.module = "numpy", ref.name = "round_", ref.safety = ClassifyGlobal("numpy", "round_");
  f.globals.push_back(ref);
  auto about_round = [](const DoctorReport& r) -> const Finding* {
    for (const auto& finding : r.findings) {
      if (finding.message.find("numpy.round_") != std::string::npos) return &finding;
    }
    return nullptr;
  };
  DoctorReport numpy2 = Doctor(f, Target::Parse("sklearn=1.9.0"));
  const Finding* in2 = about_round(numpy2);
  ASSERT_NE(in2, nullptr);
  EXPECT_EQ(in2->verdict, Verdict::kLoadFails);
  DoctorReport numpy1 = Doctor(f, Target::Parse("sklearn=1.2.1"));
  EXPECT_EQ(about_round(numpy1), nullptr);
}

TEST(Doctor, TargetParsing) {
  Target t = Target::Parse("sklearn=1.2.1,numpy=1.24.2,python=3.11");
  EXPECT_EQ(t.sklearn->Str(), "1.2.1");
  EXPECT_EQ(t.numpy->Str(), "1.24.2");
  EXPECT_EQ(t.python->Str(), "3.11.0");
  EXPECT_EQ(t.joblib->Str(), "1.2.0");  // inferred from the measured 1.2.1 environment
  ASSERT_EQ(t.assumptions.size(), 1u);
  EXPECT_THROW(Target::Parse("numpy=1.24"), Error);
  EXPECT_THROW(Target::Parse("sklearn=abc"), Error);
  fs::path req = fs::temp_directory_path() / "skbridge-doctor-req.txt";
  std::ofstream(req) << "# pinned\nscikit-learn==1.4.2\nnumpy==2.2.4 ; python_version>'3'\njoblib==1.4.2\npandas==2.2.3\n";
  Target r = Target::Parse(req.string());
  EXPECT_EQ(r.sklearn->Str(), "1.4.2");
  EXPECT_EQ(r.numpy->Str(), "2.2.4");
  EXPECT_EQ(r.joblib->Str(), "1.4.2");
  fs::remove(req);
}

}  // namespace
}  // namespace skbridge
