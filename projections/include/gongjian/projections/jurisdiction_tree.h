#pragma once
// The jurisdiction tree: national (000000) -> province -> prefecture city -> county/district ->
// market-regulation office. Codes follow GB/T 2260 (6 digits) down to counties; office codes sit
// below their county. Nodes are interned: an organization refers to its jurisdiction by a 32-bit
// index, never by its code string, which keeps per-organization state small. A few tens of
// thousands of nodes at most, so codes and names are kept here as strings.
//
// Threading: owned by the read model; not synchronized (see read_model.h).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gongjian/projections/vocabulary.h"

namespace gongjian::projections {

using node_index = std::uint32_t;
inline constexpr node_index no_node = UINT32_MAX;
inline constexpr std::string_view national_code = "000000";

struct jurisdiction_node {
  std::string code;
  std::string name;
  level lvl = level::national;
  node_index parent = no_node;
  std::vector<node_index> children;  // sorted by code
  std::string responsible_leader;    // 领导包片: whom an interview calls
  bool operator==(const jurisdiction_node&) const = default;
};

class jurisdiction_tree {
 public:
  jurisdiction_tree();

  // The node for `code`, creating it (and any missing ancestors) if needed. When `parent_code` is
  // empty the parent is derived from the code's structure (GB/T 2260: province XX0000, city
  // XXXX00, county XXXXXX; an office code longer than 6 digits lies under its first 6 digits).
  node_index ensure(std::string_view code, std::string_view parent_code = {}, std::optional<level> lvl = {},
                    std::string_view name = {});
  std::optional<node_index> find(std::string_view code) const;

  const jurisdiction_node& at(node_index i) const { return nodes_[i]; }
  jurisdiction_node& at(node_index i) { return nodes_[i]; }
  std::size_t size() const { return nodes_.size(); }
  node_index root() const { return 0; }

  // The node and its ancestors up to the root, nearest first.
  template <class F>
  void for_self_and_ancestors(node_index i, F&& f) const {
    for (node_index n = i; n != no_node; n = parents_[n]) f(n);
  }
  // True when `ancestor` is `node` or one of its ancestors.
  bool within(node_index node, node_index ancestor) const;
  // "000000/110000/110100/" style path of codes from the root down to the node, each followed by
  // '/': a key prefix that selects exactly the node's subtree.
  std::string path(node_index i) const;

  // Restores a node read back from storage at its index (indices are assigned in creation order,
  // which is the log's order, so a rebuild assigns the same ones).
  void restore(node_index i, jurisdiction_node node);
  // After every node was restored: rebuilds the children lists from the parents.
  void finish_restore();

  static std::string derive_parent_code(std::string_view code);
  static level derive_level(std::string_view code);

 private:
  void link_child(node_index parent, node_index child);

  struct code_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<jurisdiction_node> nodes_;
  // Each node's parent (nodes_[i].parent) in 4 bytes: the walk up to the root, once per counter
  // change, touched a whole node (codes, names, children) per level.
  std::vector<node_index> parents_;
  std::unordered_map<std::string, node_index, code_hash, std::equal_to<>> by_code_;
};

}  // namespace gongjian::projections
