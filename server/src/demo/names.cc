// Name and code tables for the demo (see names.h). The tables are short on purpose: enough variety
// that a dashboard looks real, small enough to read.

#include "demo/names.h"

#include <array>

#include "gongjian/domain/ids.h"

namespace gongjian::server::demo {
namespace {

using sv = std::string_view;

// The most common surnames, roughly by frequency.
constexpr auto surnames = std::to_array<sv>({
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白",
    "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺",
    "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴", "莫", "孔", "向", "汤"});
constexpr auto surname_weights = std::to_array<double>({
    7.2, 7.0, 6.8, 5.4, 4.5, 3.1, 2.3, 2.2, 2.1, 1.9, 1.8, 1.5, 1.3, 1.3, 1.3, 1.2, 1.2, 1.1, 1.1, 1.0,
    0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5,
    0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3,
    0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
    0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2});

constexpr auto given_characters = std::to_array<sv>({
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "萍", "红", "波", "建", "文", "辉", "力", "斌", "鹏",
    "宇", "浩", "凯", "秀", "俊", "帆", "琳", "晨", "欣", "怡", "婷", "雪", "倩", "颖", "慧", "佳", "博",
    "子", "涵", "梓", "轩", "思", "雨", "嘉", "晓", "亮", "峰", "海", "国", "志", "兵", "东", "春", "梅",
    "兰", "云", "飞", "龙", "林", "成", "新", "永", "光", "荣", "德", "庆", "福", "生", "金", "宏", "振",
    "家", "鑫", "瑞", "泽", "婧", "琪", "璐", "阳", "昊", "晶", "悦"});

constexpr auto brand_characters = std::to_array<sv>({
    "华", "信", "鑫", "达", "源", "恒", "泰", "兴", "盛", "宏", "隆", "福", "瑞", "祥", "金", "嘉", "德",
    "顺", "安", "佳", "和", "美", "新", "天", "利", "通", "创", "博", "众", "永", "丰", "汇", "联", "诚",
    "益", "昌", "宇", "辰", "锦", "聚", "晟", "誉", "鼎", "腾", "航", "星", "亿", "凯", "力", "康", "乐",
    "品", "旺", "富", "发", "荣", "海", "明", "远", "升"});

constexpr auto road_names = std::to_array<sv>({
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "文化路", "光明路", "长江路",
    "黄河路", "朝阳路", "青年路", "东风路", "工业路", "府前路", "滨河路", "幸福路", "学府路", "科技路",
    "商业街", "步行街", "环城路", "振兴路"});

constexpr auto community_words = std::to_array<sv>({
    "和平", "幸福", "新华", "建设", "解放", "人民", "光明", "团结", "红旗", "东风", "胜利", "朝阳",
    "前进", "新民", "富民", "兴旺", "向阳", "丰收", "民主", "友谊", "长青", "振兴", "康乐", "和谐"});

constexpr auto catering_words = std::to_array<sv>({"面馆", "小吃店", "饭店", "火锅店", "快餐店", "烧烤店", "餐馆"});
constexpr auto retail_words = std::to_array<sv>({"便利店", "超市", "商店", "烟酒店", "副食店", "日杂店"});
constexpr auto wholesale_words = std::to_array<sv>({"批发部", "经营部", "商行"});
constexpr auto ecommerce_words = std::to_array<sv>({"网店", "电商工作室"});
constexpr auto logistics_words = std::to_array<sv>({"货运部", "快递服务部", "物流配送站"});
constexpr auto decoration_words = std::to_array<sv>({"装饰部", "装修队", "建材店"});
constexpr auto software_words = std::to_array<sv>({"电脑服务部", "网络工作室"});
constexpr auto garment_words = std::to_array<sv>({"制衣厂", "服装加工坊", "裁缝店"});
constexpr auto car_words = std::to_array<sv>({"汽车修理部", "汽修厂", "轮胎店", "洗车行"});
constexpr auto beauty_words = std::to_array<sv>({"理发店", "美发店", "美容院"});
constexpr auto lodging_words = std::to_array<sv>({"旅馆", "宾馆", "招待所"});
constexpr auto farm_words = std::to_array<sv>({"粮油加工坊", "豆腐坊", "农产品经营部"});
constexpr auto housekeeping_words = std::to_array<sv>({"家政服务部", "保洁服务部"});
constexpr auto training_words = std::to_array<sv>({"培训中心", "辅导班"});
constexpr auto advertising_words = std::to_array<sv>({"广告部", "图文设计部", "打印店"});
constexpr auto hardware_words = std::to_array<sv>({"五金店", "机械加工部", "五金加工厂"});

static_assert(surnames.size() == surname_weights.size());

using domain::focus_area;
constexpr auto trade_table = std::to_array<trade_profile>({
    {"餐饮", 24, 8, catering_words, "餐饮管理", 9, 0.03, 0.16, focus_area::commercial_street},
    {"零售", 30, 10, retail_words, "商贸", 8, 0.04, 0.12, focus_area::commercial_street},
    {"批发", 6, 8, wholesale_words, "贸易", 10, 0.05, 0.10, focus_area::business_cluster},
    {"电子商务", 4, 8, ecommerce_words, "电子商务", 12, 0.07, 0.32, focus_area::startup_park},
    {"物流", 4, 7, logistics_words, "物流", 18, 0.05, 0.14, focus_area::business_cluster},
    {"建筑装饰", 4, 10, decoration_words, "建筑装饰工程", 20, 0.06, 0.10, focus_area::none},
    {"软件和信息技术服务", 1, 9, software_words, "信息技术", 15, 0.10, 0.36, focus_area::startup_park},
    {"服装加工", 4, 8, garment_words, "服饰", 25, 0.03, 0.20, focus_area::business_cluster},
    {"汽车维修", 6, 5, car_words, "汽车服务", 10, 0.04, 0.15, focus_area::none},
    {"美容美发", 8, 3, beauty_words, "美容美发", 8, 0.02, 0.25, focus_area::commercial_street},
    {"住宿", 3, 4, lodging_words, "酒店管理", 15, 0.04, 0.15, focus_area::commercial_street},
    {"农副产品加工", 3, 5, farm_words, "农业科技", 14, 0.05, 0.10, focus_area::none},
    {"家政服务", 2, 3, housekeeping_words, "家政服务", 12, 0.04, 0.10, focus_area::none},
    {"教育培训", 1, 5, training_words, "教育咨询", 10, 0.12, 0.30, focus_area::startup_park},
    {"广告设计", 2, 4, advertising_words, "文化传媒", 9, 0.06, 0.30, focus_area::startup_park},
    {"机械五金制造", 3, 8, hardware_words, "机械制造", 22, 0.05, 0.12, focus_area::business_cluster},
});

constexpr auto market_table = std::to_array<market_profile>({
    {"农贸市场", 11},
    {"小商品市场", 2},
    {"建材市场", 5},
    {"服装批发市场", 7},
    {"汽配城", 8},
    {"电子市场", 1},
    {"农副产品批发市场", 11},
    {"五金机电市场", 15},
});
static_assert([] {
  for (const auto& m : market_table)
    if (m.trade >= trade_table.size()) return false;
  return true;
}());

bool ends_with(sv s, sv suffix) { return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix; }

// The GB 11714 value of an organization-code character: digits as themselves, letters A=10 .. Z=35.
int gb11714_value(char c) { return c >= 'A' ? 10 + (c - 'A') : c - '0'; }

}  // namespace

std::span<const trade_profile> trades() { return trade_table; }
std::span<const market_profile> markets() { return market_table; }

std::string person_name(rng& r) {
  std::string name(surnames[r.weighted(std::span<const double>(surname_weights))]);
  name += r.pick(given_characters);
  if (r.chance(0.7)) name += r.pick(given_characters);
  return name;
}

std::string brand(rng& r) {
  std::string b(r.pick(brand_characters));
  sv second = r.pick(brand_characters);
  while (second == b) second = r.pick(brand_characters);
  return b + std::string(second);
}

std::string town_stem(sv town_name) {
  for (sv suffix : {sv("街道办事处"), sv("街道"), sv("地区"), sv("苏木"), sv("镇"), sv("乡")}) {
    // Keep at least two characters (6 bytes of UTF-8): "城关镇" -> "城关", but "X镇" stays whole.
    if (ends_with(town_name, suffix) && town_name.size() - suffix.size() >= 6) {
      return std::string(town_name.substr(0, town_name.size() - suffix.size()));
    }
  }
  return std::string(town_name);
}

std::string road_address(rng& r, sv city_name, sv county_name) {
  return std::string(city_name) + std::string(county_name) + std::string(r.pick(road_names)) +
         std::to_string(r.between(1, 399)) + "号";
}

std::string community_name(rng& r, sv county_name, bool village) {
  return std::string(county_name) + std::string(r.pick(community_words)) + (village ? "村" : "社区");
}

std::string social_credit_code(rng& r, char category, sv county_code, bool new_style) {
  // GB 11714 organization code: 8 characters and a check character.
  static constexpr sv digits = "0123456789";
  static constexpr sv code_letters = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  std::string org_code;
  if (new_style) {
    org_code = "MA";
    for (int i = 0; i < 6; ++i) org_code += code_letters[r.below(code_letters.size())];
  } else {
    for (int i = 0; i < 8; ++i) org_code += digits[r.below(10)];
  }
  static constexpr std::array<int, 8> weights{3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += gb11714_value(org_code[static_cast<std::size_t>(i)]) * weights[static_cast<std::size_t>(i)];
  const int check = 11 - sum % 11;
  org_code += check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);

  std::string code = "9";
  code += category;
  code += county_code;
  code += org_code;
  code += domain::social_credit_check_character(code);
  return code;
}

std::string registration_number(rng& r, sv county_code) {
  std::string number(county_code);
  number += '6';  // individual businesses' serials were numbered from 6 in many registries
  for (int i = 0; i < 7; ++i) number += static_cast<char>('0' + r.below(10));
  // ISO 7064 MOD 11,10: P starts at 10; for each digit S = (P mod 11) + digit, P = 2 * (S mod 10,
  // with 0 read as 10); the check digit makes the final (P mod 11) + check = 1 (mod 10).
  int p = 10;
  for (char c : number) {
    int s = p % 11 + (c - '0');
    s %= 10;
    if (s == 0) s = 10;
    p = 2 * s;
  }
  const int check = (11 - p % 11) % 10;
  number += static_cast<char>('0' + check);
  return number;
}

}  // namespace gongjian::server::demo
