// synack/testing/tcpi.hpp — the tcp_info fields the handshake defines and a
// small evaluator for packetdrill's `%{ assert ... }%` blocks over them.
//
// Understood: statements separated by newlines or ';' (a statement may span
// lines inside parentheses or after a backslash), each `assert EXPR[, MSG]`,
// blank lines and '#' comments. EXPR: integers, the tcpi_* names below,
// TCPI_OPT_* and TCP_* state constants, ( ), not/and/or, comparisons (chained
// as in Python), | ^ & << >> + - * // / %. Anything else, and any tcpi_*
// field not modelled, makes the block Unsupported (the script is skipped).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace synack::testing {

struct TcpInfo {
    std::int64_t state = 7;
    std::int64_t options = 0;
    std::int64_t snd_wscale = 0;
    std::int64_t rcv_wscale = 0;
    std::int64_t snd_mss = 0;
    std::int64_t rcv_mss = 0;
    std::int64_t advmss = 0;
    std::int64_t retransmits = 0;
    bool has_rtt = false;
    std::int64_t rtt_us = 0;

    bool field(std::string_view n, std::int64_t& v) const {
        if (n == "tcpi_state") v = state;
        else if (n == "tcpi_options") v = options;
        else if (n == "tcpi_snd_wscale") v = snd_wscale;
        else if (n == "tcpi_rcv_wscale") v = rcv_wscale;
        else if (n == "tcpi_snd_mss") v = snd_mss;
        else if (n == "tcpi_rcv_mss") v = rcv_mss;
        else if (n == "tcpi_advmss") v = advmss;
        else if (n == "tcpi_retransmits") v = retransmits;
        else if (n == "tcpi_rtt" && has_rtt) v = rtt_us;
        else return false;
        return true;
    }
};

enum class TcpiResult : std::uint8_t { True, False, Unsupported };

namespace tcpi_detail {

class Eval {
  public:
    Eval(std::string_view s, const TcpInfo& t) : s_(s), t_(t) {}
    std::string why;
    bool unsupported = false;

    bool expr(std::int64_t& v) { return or_(v); }
    bool at_end() {
        ws();
        return i_ >= s_.size();
    }
    bool eat(std::string_view tok) {
        ws();
        if (s_.substr(i_, tok.size()) != tok) return false;
        if (is_alpha(tok.back()) && i_ + tok.size() < s_.size() && is_ident(s_[i_ + tok.size()])) return false;
        i_ += tok.size();
        return true;
    }
    std::size_t pos() const { return i_; }

  private:
    std::string_view s_;
    const TcpInfo& t_;
    std::size_t i_ = 0;
    int depth_ = 0;

    static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
    static bool is_ident(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\\')) ++i_;
    }
    bool bad(std::string m) {
        unsupported = true;
        if (why.empty()) why = std::move(m);
        return false;
    }

    bool or_(std::int64_t& v) {
        if (!and_(v)) return false;
        while (eat("or")) {
            std::int64_t r = 0;
            if (!and_(r)) return false;
            v = (v != 0 || r != 0) ? 1 : 0;
        }
        return true;
    }
    bool and_(std::int64_t& v) {
        if (!not_(v)) return false;
        while (eat("and")) {
            std::int64_t r = 0;
            if (!not_(r)) return false;
            v = (v != 0 && r != 0) ? 1 : 0;
        }
        return true;
    }
    bool not_(std::int64_t& v) {
        if (eat("not")) {
            if (++depth_ > 64) return bad("nested too deeply");
            const bool ok = not_(v);
            --depth_;
            v = v == 0 ? 1 : 0;
            return ok;
        }
        return cmp(v);
    }
    bool cmp(std::int64_t& v) {
        std::int64_t a = 0;
        if (!bitor_(a)) return false;
        bool result = true;
        bool any = false;
        while (true) {
            ws();
            int op = -1;
            static const char* const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
            for (int k = 0; k < 6; ++k) {
                const std::string_view o = ops[k];
                if (s_.substr(i_, o.size()) == o && !(o.size() == 1 && i_ + 1 < s_.size() && (s_[i_ + 1] == '<' || s_[i_ + 1] == '>'))) {
                    op = k;
                    i_ += o.size();
                    break;
                }
            }
            if (op < 0) break;
            any = true;
            std::int64_t b = 0;
            if (!bitor_(b)) return false;
            bool r = false;
            switch (op) {
            case 0: r = a == b; break;
            case 1: r = a != b; break;
            case 2: r = a <= b; break;
            case 3: r = a >= b; break;
            case 4: r = a < b; break;
            default: r = a > b; break;
            }
            result = result && r;
            a = b;
        }
        v = any ? (result ? 1 : 0) : a;
        return true;
    }
    bool bitor_(std::int64_t& v) {
        if (!bitxor_(v)) return false;
        while (true) {
            ws();
            if (i_ < s_.size() && s_[i_] == '|') {
                ++i_;
                std::int64_t r = 0;
                if (!bitxor_(r)) return false;
                v |= r;
            } else return true;
        }
    }
    bool bitxor_(std::int64_t& v) {
        if (!bitand_(v)) return false;
        while (true) {
            ws();
            if (i_ < s_.size() && s_[i_] == '^') {
                ++i_;
                std::int64_t r = 0;
                if (!bitand_(r)) return false;
                v ^= r;
            } else return true;
        }
    }
    bool bitand_(std::int64_t& v) {
        if (!shift(v)) return false;
        while (true) {
            ws();
            if (i_ < s_.size() && s_[i_] == '&') {
                ++i_;
                std::int64_t r = 0;
                if (!shift(r)) return false;
                v &= r;
            } else return true;
        }
    }
    bool shift(std::int64_t& v) {
        if (!arith(v)) return false;
        while (true) {
            ws();
            const bool l = s_.substr(i_, 2) == "<<";
            const bool r = s_.substr(i_, 2) == ">>";
            if (!l && !r) return true;
            i_ += 2;
            std::int64_t b = 0;
            if (!arith(b)) return false;
            if (b < 0 || b > 62) return bad("shift out of range");
            v = l ? static_cast<std::int64_t>(static_cast<std::uint64_t>(v) << static_cast<unsigned>(b)) : v >> b;
        }
    }
    bool arith(std::int64_t& v) {
        if (!term(v)) return false;
        while (true) {
            ws();
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
                const char op = s_[i_++];
                std::int64_t r = 0;
                if (!term(r)) return false;
                v = op == '+' ? static_cast<std::int64_t>(static_cast<std::uint64_t>(v) + static_cast<std::uint64_t>(r))
                              : static_cast<std::int64_t>(static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(r));
            } else return true;
        }
    }
    bool term(std::int64_t& v) {
        if (!unary(v)) return false;
        while (true) {
            ws();
            char op = 0;
            if (s_.substr(i_, 2) == "//") {
                op = '/';
                i_ += 2;
            } else if (i_ < s_.size() && (s_[i_] == '*' || s_[i_] == '/' || s_[i_] == '%')) {
                op = s_[i_++];
            } else return true;
            std::int64_t r = 0;
            if (!unary(r)) return false;
            if (op == '*') v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) * static_cast<std::uint64_t>(r));
            else if (r == 0) return bad("division by zero");
            else if (v == INT64_MIN && r == -1) return bad("overflow");
            else v = op == '%' ? v % r : v / r;
        }
    }
    bool unary(std::int64_t& v) {
        ws();
        if (i_ < s_.size() && s_[i_] == '-') {
            ++i_;
            if (++depth_ > 64) return bad("nested too deeply");
            const bool ok = unary(v);
            --depth_;
            v = static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(v));
            return ok;
        }
        return primary(v);
    }
    bool primary(std::int64_t& v) {
        ws();
        if (i_ >= s_.size()) return bad("expression ends early");
        const char c = s_[i_];
        if (c == '(') {
            ++i_;
            if (++depth_ > 64) return bad("nested too deeply");
            const bool ok = or_(v);
            --depth_;
            if (!ok) return false;
            ws();
            if (i_ >= s_.size() || s_[i_] != ')') return bad("missing ')'");
            ++i_;
            return true;
        }
        if (c >= '0' && c <= '9') {
            std::uint64_t x = 0;
            int base = 10;
            if (c == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X')) {
                base = 16;
                i_ += 2;
            }
            std::size_t n = 0;
            while (i_ < s_.size()) {
                const char d = s_[i_];
                int h = -1;
                if (d >= '0' && d <= '9') h = d - '0';
                else if (base == 16 && d >= 'a' && d <= 'f') h = d - 'a' + 10;
                else if (base == 16 && d >= 'A' && d <= 'F') h = d - 'A' + 10;
                if (h < 0) break;
                if (x > (UINT64_MAX >> 5U)) return bad("integer too large");
                x = x * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(h);
                ++i_;
                ++n;
            }
            if (n == 0 || x > static_cast<std::uint64_t>(INT64_MAX)) return bad("integer not understood");
            v = static_cast<std::int64_t>(x);
            return true;
        }
        if (is_alpha(c)) {
            const std::size_t b = i_;
            while (i_ < s_.size() && is_ident(s_[i_])) ++i_;
            const std::string_view name = s_.substr(b, i_ - b);
            if (t_.field(name, v)) return true;
            static const std::pair<const char*, std::int64_t> k[] = {
                {"TCPI_OPT_TIMESTAMPS", 1}, {"TCPI_OPT_SACK", 2}, {"TCPI_OPT_WSCALE", 4}, {"TCPI_OPT_ECN", 8},
                {"TCPI_OPT_ECN_SEEN", 16}, {"TCPI_OPT_SYN_DATA", 32}, {"TCPI_OPT_USEC_TS", 64},
                {"TCP_ESTABLISHED", 1}, {"TCP_SYN_SENT", 2}, {"TCP_SYN_RECV", 3}, {"TCP_FIN_WAIT1", 4},
                {"TCP_FIN_WAIT2", 5}, {"TCP_TIME_WAIT", 6}, {"TCP_CLOSE", 7}, {"TCP_CLOSE_WAIT", 8},
                {"TCP_LAST_ACK", 9}, {"TCP_LISTEN", 10}, {"TCP_CLOSING", 11}, {"True", 1}, {"False", 0},
            };
            for (const auto& [kn, kv] : k) {
                if (name == kn) {
                    v = kv;
                    return true;
                }
            }
            return bad(std::string(name) + " not modelled");
        }
        return bad(std::string("unexpected '") + c + "'");
    }
};

} // namespace tcpi_detail

// Evaluates a %{ }% block over `t`. `why`: the failed assertion's text, or
// what is not supported.
inline TcpiResult evaluate_tcpi(std::string_view code, const TcpInfo& t, std::string& why) {
    // Split into statements: newlines and ';' outside parentheses, not
    // after a backslash.
    std::vector<std::string> stmts;
    std::string cur;
    int depth = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        const char c = code[i];
        if (c == '(' || c == '[') ++depth;
        if ((c == ')' || c == ']') && depth > 0) --depth;
        if (c == '#') { // comment to end of line
            while (i + 1 < code.size() && code[i + 1] != '\n') ++i;
            continue;
        }
        if ((c == '\n' || c == ';') && depth == 0 && !(c == '\n' && !cur.empty() && cur.back() == '\\')) {
            stmts.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    stmts.push_back(cur);
    for (const std::string& st : stmts) {
        std::string_view s = st;
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
        if (s.empty()) continue;
        if (s.substr(0, 6) != "assert" || s.size() < 7 || (s[6] != ' ' && s[6] != '(' && s[6] != '\t')) {
            why = "statement other than assert: " + std::string(s.substr(0, 60));
            return TcpiResult::Unsupported;
        }
        tcpi_detail::Eval ev(s.substr(6), t);
        std::int64_t v = 0;
        if (!ev.expr(v)) {
            why = ev.why;
            return TcpiResult::Unsupported;
        }
        if (!ev.at_end() && !ev.eat(",")) {
            why = "assert not understood: " + std::string(s.substr(0, 60));
            return TcpiResult::Unsupported;
        }
        if (v == 0) {
            why = std::string(s);
            return TcpiResult::False;
        }
    }
    return TcpiResult::True;
}

} // namespace synack::testing
