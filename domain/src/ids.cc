#include "gongjian/domain/ids.h"

#include <array>

namespace gongjian::domain {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s) if (c < '0' || c > '9') return false;
  return true;
}

// GB 32100-2015: the 31 characters of the code, in value order (no I, O, Z, S, V).
constexpr std::string_view credit_code_alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
// Position weights W_i = 3^(i-1) mod 31 for the first 17 characters.
constexpr std::array<int, 17> credit_code_weights{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

int credit_code_value(char c) {
  const auto at = credit_code_alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::optional<jurisdiction_level> level_of(std::string_view code) {
  if (!all_digits(code)) return std::nullopt;
  if (code.size() == 9) {
    // An office: a county code (last two digits not both zero, below a real city and province)
    // followed by a 3-digit office number other than 000.
    const auto county = level_of(code.substr(0, 6));
    if (county != jurisdiction_level::county || code.substr(6) == "000") return std::nullopt;
    return jurisdiction_level::office;
  }
  if (code.size() != 6) return std::nullopt;
  if (code == "000000") return jurisdiction_level::national;
  const auto province = code.substr(0, 2), city = code.substr(2, 2), county = code.substr(4, 2);
  if (province == "00") return std::nullopt;
  if (city == "00") return county == "00" ? std::optional{jurisdiction_level::province} : std::nullopt;
  if (county == "00") return jurisdiction_level::city;
  return jurisdiction_level::county;
}

std::optional<jurisdiction_code> parent_of(const jurisdiction_code& code) {
  const auto level = level_of(code);
  if (!level) return std::nullopt;
  const std::string& c = code.value;
  switch (*level) {
    case jurisdiction_level::national: return std::nullopt;
    case jurisdiction_level::province: return jurisdiction_code("000000");
    case jurisdiction_level::city: return jurisdiction_code(c.substr(0, 2) + "0000");
    case jurisdiction_level::county: return jurisdiction_code(c.substr(0, 4) + "00");
    case jurisdiction_level::office: return jurisdiction_code(c.substr(0, 6));
  }
  return std::nullopt;
}

std::optional<jurisdiction_code> county_of(const jurisdiction_code& code) {
  const auto level = level_of(code);
  if (level == jurisdiction_level::county) return code;
  if (level == jurisdiction_level::office) return jurisdiction_code(code.value.substr(0, 6));
  return std::nullopt;
}

bool is_within(const jurisdiction_code& code, const jurisdiction_code& ancestor) {
  std::optional<jurisdiction_code> at = code;
  while (at) {
    if (*at == ancestor) return true;
    at = parent_of(*at);
  }
  return false;
}

char social_credit_check_character(std::string_view first_17) {
  if (first_17.size() < 17) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    const int v = credit_code_value(first_17[i]);
    if (v < 0) return '\0';
    sum += v * credit_code_weights[i];
  }
  return credit_code_alphabet[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

std::string social_credit_code_problem(std::string_view code) {
  if (code.size() != 18) return "must be 18 characters, got " + std::to_string(code.size());
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (credit_code_value(code[i]) < 0) {
      return "character " + std::to_string(i + 1) + " is not one of 0-9 and the capitals A-Y without I, O, S, V, Z";
    }
  }
  if (!all_digits(code.substr(2, 6))) return "characters 3-8 must be the 6-digit division code of the registering authority";
  const char expected = social_credit_check_character(code);
  if (code[17] != expected) {
    return std::string("check character is '") + code[17] + "', GB 32100 gives '" + expected + "'";
  }
  return {};
}

bool is_valid_social_credit_code(std::string_view code) { return social_credit_code_problem(code).empty(); }

bool is_valid_registration_number(std::string_view number) {
  if (number.size() != 15 || !all_digits(number)) return false;
  // ISO 7064 MOD 11,10 (GB/T 17710) over all 15 digits: the running product must end at 1.
  int product = 10;
  int sum = 0;
  for (char c : number) {
    sum = (product % 11 + (c - '0')) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return sum % 10 == 1;
}

}  // namespace gongjian::domain
