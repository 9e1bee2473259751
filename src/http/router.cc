#include "http/router.h"

#include <algorithm>

#include "core/check.h"
#include "core/encoding.h"

namespace clv::http {

namespace {

// Splits "/a/b/" into {"a", "b", ""}: the trailing empty segment keeps "/a/b/" distinct from
// "/a/b", as clients see them as different URLs.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  out.reserve(static_cast<size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  while (true) {
    const size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
      out.push_back(path);
      break;
    }
    out.push_back(path.substr(0, slash));
    path.remove_prefix(slash + 1);
  }
  return out;
}

// The rules of PercentDecode, checked without building the decoded text (Router::Find needs
// only the verdict): every '%' followed by two hex digits, none of them encoding NUL.
bool DecodesCleanly(std::string_view in) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') continue;
    if (i + 2 >= in.size()) return false;
    const int hi = HexDigitValue(in[i + 1]);
    const int lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0 || hi * 16 + lo == 0) return false;
    i += 2;
  }
  return true;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view in) {
  if (!DecodesCleanly(in)) return std::nullopt;
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    out.push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
    i += 2;
  }
  return out;
}

void Router::Add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  CLV_CHECK(!pattern.empty() && pattern.front() == '/');
  CLV_CHECK(handler != nullptr);
  std::vector<Segment> segments;
  const auto parts = SplitPath(pattern);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    if (!p.empty() && p.front() == ':') {
      CLV_CHECK(p.size() > 1);
      segments.push_back({Segment::Kind::kParam, std::string(p.substr(1))});
    } else if (!p.empty() && p.front() == '*') {
      CLV_CHECK(p.size() > 1 && i + 1 == parts.size());
      segments.push_back({Segment::Kind::kWildcard, std::string(p.substr(1))});
    } else {
      segments.push_back({Segment::Kind::kLiteral, std::string(p)});
    }
  }
  for (Route& r : routes_) {
    if (r.pattern != pattern) continue;
    for (const auto& m : r.methods) CLV_CHECK(m.first != method);
    r.methods.push_back({method, {std::move(handler), std::move(options)}});
    return;
  }
  Route r{std::string(pattern), std::move(segments), {}};
  r.methods.push_back({method, {std::move(handler), std::move(options)}});
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(Method method, std::string_view raw_path) const {
  Match result;
  const auto parts = SplitPath(raw_path);
  if (parts.empty()) {
    result.kind = Match::Kind::kBadPath;
    return result;
  }
  for (std::string_view p : parts) {
    if (!DecodesCleanly(p)) {
      result.kind = Match::Kind::kBadPath;
      return result;
    }
  }

  // Specificity key: per segment 0 literal, 1 param, 2 wildcard; lexicographically smaller
  // is more specific.
  // The two keys are reused across routes (Find runs once per request; a vector per route
  // tried was most of its allocations).
  const Route* best = nullptr;
  std::vector<int> best_key, key;
  best_key.reserve(parts.size() + 1);
  key.reserve(parts.size() + 1);
  for (const Route& route : routes_) {
    key.clear();
    bool ok = true;
    size_t i = 0;
    for (; i < route.segments.size(); ++i) {
      const Segment& s = route.segments[i];
      if (s.kind == Segment::Kind::kWildcard) {
        key.push_back(2);
        i = parts.size();
        break;
      }
      if (i >= parts.size()) {
        ok = false;
        break;
      }
      if (s.kind == Segment::Kind::kLiteral) {
        if (parts[i] != s.text) {
          ok = false;
          break;
        }
        key.push_back(0);
      } else {
        if (parts[i].empty()) {  // ":id" never matches an empty segment
          ok = false;
          break;
        }
        key.push_back(1);
      }
    }
    if (!ok || i != parts.size()) continue;
    if (best == nullptr || key < best_key) {
      best = &route;
      best_key.assign(key.begin(), key.end());
    }
  }
  if (best == nullptr) {
    result.kind = Match::Kind::kNotFound;
    return result;
  }
  result.pattern = best->pattern;

  const std::pair<Handler, RouteOptions>* chosen = nullptr;
  for (const auto& m : best->methods) {
    if (m.first == method) chosen = &m.second;
  }
  if (chosen == nullptr && method == Method::kHead) {
    for (const auto& m : best->methods) {
      if (m.first == Method::kGet) chosen = &m.second;
    }
  }
  if (chosen == nullptr) {
    result.kind = Match::Kind::kMethodNotAllowed;
    bool has_get = false;
    for (const auto& m : best->methods) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += MethodName(m.first);
      has_get = has_get || m.first == Method::kGet;
    }
    if (has_get) result.allow += ", HEAD";
    return result;
  }

  result.kind = Match::Kind::kFound;
  result.handler = &chosen->first;
  result.options = &chosen->second;
  for (size_t i = 0; i < best->segments.size(); ++i) {
    const Segment& s = best->segments[i];
    if (s.kind == Segment::Kind::kParam) {
      result.params.emplace_back(s.text, *PercentDecode(parts[i]));
    } else if (s.kind == Segment::Kind::kWildcard) {
      // The rest of the path, re-joined; still checked segment by segment by its consumer
      // (static files refuse "..").
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) {
        if (j > i) rest += '/';
        rest += *PercentDecode(parts[j]);
      }
      result.params.emplace_back(s.text, std::move(rest));
    }
  }
  return result;
}

}  // namespace clv::http
