// JsonWriter: JSON text appended straight onto a std::string, for hot responses that would
// otherwise build a boost::json::value tree per request only to serialise it (GET
// /clv/customers/:id). The caller writes a well-formed document in order — keys inside objects,
// one value after each key; the writer only places the commas, so no stack is kept — and the
// text parses back (boost::json::parse) to the value the same calls would have built:
//   - strings escaped exactly as boost::json::serialize does ('"', '\\', control characters as
//     \b \t \n \f \r or \u00xx; everything else, UTF-8 included, as is);
//   - doubles in shortest round-trip form, always with a '.' or an exponent so they read back
//     as doubles (1.0 → "1.0", never "1"); a non-finite double as null;
//   - integers in decimal.
// Not thread-safe; the string must outlive the writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace clv::http {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Separate(); out_ += '{'; comma_ = false; }
  void EndObject() { out_ += '}'; comma_ = true; }
  void BeginArray() { Separate(); out_ += '['; comma_ = false; }
  void EndArray() { out_ += ']'; comma_ = true; }
  // `key` is written as given: it must be plain ASCII needing no escapes (the handlers' literals).
  void Key(std::string_view key);

  void String(std::string_view v);
  void Int(std::int64_t v);
  void Double(double v);
  void Bool(bool v) { Separate(); out_ += v ? "true" : "false"; }
  void Null() { Separate(); out_ += "null"; }
  // Key(key) then the value: one line per member.
  void IntField(std::string_view key, std::int64_t v) { Key(key); Int(v); }
  void DoubleField(std::string_view key, double v) { Key(key); Double(v); }
  void StringField(std::string_view key, std::string_view v) { Key(key); String(v); }
  // Pre-serialised JSON text (one complete value), inserted as is.
  void Raw(std::string_view json) { Separate(); out_ += json; }

  // The string written to, for appending a value by hand right after Key() (e.g. a date written
  // digit by digit). The caller must write exactly one complete value, then call Wrote().
  std::string& out() { Separate(); return out_; }
  void Wrote() { comma_ = true; }

 private:
  // Before a value or key: a comma unless it is the first in its object/array or follows a key.
  void Separate() {
    if (comma_) out_ += ',';
    comma_ = true;
  }

  std::string& out_;
  bool comma_ = false;
};

// Appends `v` as a JSON string (quotes included), escaped as described above.
void AppendJsonString(std::string& out, std::string_view v);

}  // namespace clv::http
