#include "gongjian/projections/jurisdiction_tree.h"

#include <algorithm>

namespace gongjian::projections {

jurisdiction_tree::jurisdiction_tree() {
  jurisdiction_node root;
  root.code = std::string(national_code);
  root.name = "全国";
  root.lvl = level::national;
  nodes_.push_back(std::move(root));
  parents_.push_back(no_node);
  by_code_.emplace(std::string(national_code), 0);
}

std::optional<node_index> jurisdiction_tree::find(std::string_view code) const {
  auto it = by_code_.find(code);
  if (it == by_code_.end()) return std::nullopt;
  return it->second;
}

std::string jurisdiction_tree::derive_parent_code(std::string_view code) {
  if (code.size() > 6) return std::string(code.substr(0, 6));
  if (code.size() != 6 || code == national_code) return std::string(national_code);
  if (code.substr(2) == "0000") return std::string(national_code);
  if (code.substr(4) == "00") return std::string(code.substr(0, 2)) + "0000";
  return std::string(code.substr(0, 4)) + "00";
}

level jurisdiction_tree::derive_level(std::string_view code) {
  if (code == national_code) return level::national;
  if (code.size() > 6) return level::office;
  if (code.size() == 6 && code.substr(2) == "0000") return level::province;
  if (code.size() == 6 && code.substr(4) == "00") return level::city;
  return level::county;
}

void jurisdiction_tree::link_child(node_index parent, node_index child) {
  auto& kids = nodes_[parent].children;
  auto pos = std::lower_bound(kids.begin(), kids.end(), child,
                              [this](node_index a, node_index b) { return nodes_[a].code < nodes_[b].code; });
  kids.insert(pos, child);
}

node_index jurisdiction_tree::ensure(std::string_view code, std::string_view parent_code, std::optional<level> lvl,
                                     std::string_view name) {
  if (auto found = find(code)) {
    auto& n = nodes_[*found];
    if (!name.empty()) n.name = std::string(name);
    return *found;
  }
  std::string parent = parent_code.empty() ? derive_parent_code(code) : std::string(parent_code);
  node_index parent_index = ensure(parent);
  jurisdiction_node node;
  node.code = std::string(code);
  node.name = std::string(name);
  node.lvl = lvl ? *lvl : derive_level(code);
  node.parent = parent_index;
  auto index = static_cast<node_index>(nodes_.size());
  nodes_.push_back(std::move(node));
  parents_.push_back(parent_index);
  by_code_.emplace(std::string(code), index);
  link_child(parent_index, index);
  return index;
}

bool jurisdiction_tree::within(node_index node, node_index ancestor) const {
  for (node_index n = node; n != no_node; n = parents_[n])
    if (n == ancestor) return true;
  return false;
}

std::string jurisdiction_tree::path(node_index i) const {
  std::vector<node_index> chain;
  for_self_and_ancestors(i, [&](node_index n) { chain.push_back(n); });
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    out += nodes_[*it].code;
    out += '/';
  }
  return out;
}

void jurisdiction_tree::restore(node_index i, jurisdiction_node node) {
  if (nodes_.size() <= i) {
    nodes_.resize(i + 1);
    parents_.resize(i + 1, no_node);
  }
  node.children.clear();
  by_code_[node.code] = i;
  parents_[i] = node.parent;
  nodes_[i] = std::move(node);
}

void jurisdiction_tree::finish_restore() {
  for (auto& n : nodes_) n.children.clear();
  for (node_index i = 1; i < nodes_.size(); ++i)
    if (nodes_[i].parent != no_node) link_child(nodes_[i].parent, i);
}

}  // namespace gongjian::projections
