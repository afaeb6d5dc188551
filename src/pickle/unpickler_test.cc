#include <gtest/gtest.h>
TEST(Pickle, Placeholder) {}
