#include "modules/payments/stripe_provider.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <mutex>
#include <random>
#include <thread>

#include "core/log.hpp"

namespace emporium::payments {

namespace json = boost::json;

namespace {

constexpr const char* kExpandFee = "latest_charge.balance_transaction";

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

bool IsRetriedStatus(long status) { return status == 409 || status == 429 || status >= 500; }

/// Processor ids in a URL path: they are [A-Za-z0-9_] in practice, but never trust that.
std::string PathSegment(const std::string& id) { return PercentEncode(id); }

std::chrono::milliseconds Backoff(std::chrono::milliseconds first, int retry) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto base = first * (1 << std::min(retry, 10));
  std::uniform_int_distribution<long long> jitter(0, base.count() / 2);
  return base + std::chrono::milliseconds(jitter(rng));
}

}  // namespace

StripeProvider::StripeProvider(StripeOptions options) : options_(std::move(options)) {
  // curl_global_init is not thread-safe; the composition root builds the provider before serving.
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  while (!options_.api_base.empty() && options_.api_base.back() == '/') options_.api_base.pop_back();
  options_.max_attempts = std::max(1, options_.max_attempts);
}

Result<StripeProvider::RawAnswer> StripeProvider::Perform(const char* method, const std::string& path,
                                                          const std::string& form,
                                                          const std::string& idempotency_key) const {
  const bool post = std::string_view(method) == "POST";
  const std::string url = options_.api_base + path + (!post && !form.empty() ? "?" + form : "");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Error::Unavailable("Cannot start an HTTP client.");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + options_.secret_key).c_str());
  headers = curl_slist_append(headers, ("Stripe-Version: " + options_.api_version).c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  if (post) {
    headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
    if (!idempotency_key.empty()) headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotency_key).c_str());
  }
  RawAnswer answer;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  if (post) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
    curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, form.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) {
    // curl's text names the step and the host, never the headers (the key stays out of logs).
    core::Logger("payments")
        ->warn(R"({{"msg":"stripe request failed","path":"{}","curl_code":{},"reason":"{}"}})", core::JsonEscape(path),
               static_cast<int>(code),
               core::JsonEscape(error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code)));
    return Error::Unavailable("The payment processor cannot be reached.");
  }
  return answer;
}

Result<StripeProvider::Answer> StripeProvider::Call(const char* method, const std::string& path,
                                                    const FormParams& params,
                                                    const std::string& idempotency_key) const {
  const std::string form = FormEncode(params);
  Error last = Error::Unavailable("The payment processor cannot be reached.");
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(Backoff(options_.first_backoff, attempt - 1));
    auto raw = Perform(method, path, form, idempotency_key);
    if (!raw) {
      last = std::move(raw).error();
      continue;
    }
    if (IsRetriedStatus(raw->status)) {
      core::Logger("payments")
          ->warn(R"({{"msg":"stripe answered a retryable status","path":"{}","status":{}}})", core::JsonEscape(path),
                 raw->status);
      last = Error::Unavailable("The payment processor is not available right now.");
      continue;
    }
    if (raw->status == 401 || raw->status == 403) {
      // Our key is wrong or lacks a permission: an operator's problem, never the customer's input.
      core::Logger("payments")
          ->error(R"({{"msg":"stripe rejected our API key","path":"{}","status":{}}})", core::JsonEscape(path),
                  raw->status);
      return Error::Unavailable("The payment processor is not available right now.");
    }
    boost::system::error_code ec;
    json::value body = json::parse(raw->body, ec);
    if (ec || !body.is_object()) return Error::Unavailable("The payment processor answered unexpectedly.");
    Answer answer{.status = raw->status, .object = std::move(body.as_object()), .error = std::nullopt};
    if (raw->status >= 400) {
      answer.error = ParseStripeError(raw->body);
      if (!answer.error) return Error::Unavailable("The payment processor answered unexpectedly.");
    }
    return answer;
  }
  return last;
}

Result<Intent> StripeProvider::IntentAnswer(const Answer& answer) {
  if (!answer.error) return IntentFromJson(answer.object);
  if (answer.error->type == "card_error") return DeclinedIntent(*answer.error);
  return MapStripeError(*answer.error, "payment_method_id");
}

Result<std::string> StripeProvider::CreateCustomer(const std::string& email, const std::string& name,
                                                   const std::string& idempotency_key) {
  EMP_ASSIGN(auto answer, Call("POST", "/v1/customers", {{"email", email}, {"name", name}}, idempotency_key));
  if (answer.error) return MapStripeError(*answer.error, "email");
  return JsonString(answer.object, "id");
}

Result<Card> StripeProvider::AttachCard(const std::string& customer, const std::string& provider_token,
                                        const std::string& idempotency_key) {
  std::string payment_method = provider_token;
  if (provider_token.starts_with("tok_")) {
    // A legacy card token becomes a PaymentMethod first; only those can be attached.
    EMP_ASSIGN(auto created, Call("POST", "/v1/payment_methods", {{"type", "card"}, {"card[token]", provider_token}},
                                  idempotency_key + "-pm"));
    if (created.error) return MapStripeError(*created.error, "provider_token");
    payment_method = JsonString(created.object, "id");
  }
  EMP_ASSIGN(auto attached, Call("POST", "/v1/payment_methods/" + PathSegment(payment_method) + "/attach",
                                 {{"customer", customer}}, idempotency_key));
  if (attached.error) return MapStripeError(*attached.error, "provider_token");
  return CardFromJson(attached.object);
}

Status StripeProvider::DetachCard(const std::string& payment_method) {
  EMP_ASSIGN(auto answer, Call("POST", "/v1/payment_methods/" + PathSegment(payment_method) + "/detach", {},
                               "emporium-detach-" + payment_method));
  if (answer.error) return MapStripeError(*answer.error, "payment_method");
  return OkStatus();
}

Result<Intent> StripeProvider::CreateIntent(const IntentRequest& request) {
  std::string currency = request.currency;
  std::transform(currency.begin(), currency.end(), currency.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  FormParams params = {
      {"amount", std::to_string(request.amount)}, {"currency", currency}, {"payment_method", request.payment_method},
      {"payment_method_types[]", "card"},         {"confirm", "true"},    {"expand[]", kExpandFee}};
  if (!request.customer.empty()) params.emplace_back("customer", request.customer);
  if (request.off_session) params.emplace_back("off_session", "true");
  if (!request.description.empty()) params.emplace_back("description", request.description);
  for (const auto& [key, value] : request.metadata) params.emplace_back("metadata[" + key + "]", value);
  EMP_ASSIGN(auto answer, Call("POST", "/v1/payment_intents", params, request.idempotency_key));
  return IntentAnswer(answer);
}

Result<Intent> StripeProvider::ConfirmIntent(const std::string& intent_id, const std::string& idempotency_key) {
  // After client-side authentication (3-D Secure) Stripe has usually finished the intent already;
  // only one still waiting for confirmation is confirmed here.
  EMP_ASSIGN(auto current,
             Call("GET", "/v1/payment_intents/" + PathSegment(intent_id), {{"expand[]", kExpandFee}}, ""));
  if (current.error) return MapStripeError(*current.error, "intent_id");
  if (JsonString(current.object, "status") != "requires_confirmation") return IntentFromJson(current.object);
  EMP_ASSIGN(auto answer, Call("POST", "/v1/payment_intents/" + PathSegment(intent_id) + "/confirm",
                               {{"expand[]", kExpandFee}}, idempotency_key));
  return IntentAnswer(answer);
}

Result<Intent> StripeProvider::RetrieveIntent(const std::string& intent_id) {
  EMP_ASSIGN(auto answer, Call("GET", "/v1/payment_intents/" + PathSegment(intent_id), {{"expand[]", kExpandFee}}, ""));
  if (answer.error) return MapStripeError(*answer.error, "intent_id");
  return IntentFromJson(answer.object);
}

Result<Intent> StripeProvider::CancelIntent(const std::string& intent_id, const std::string& idempotency_key) {
  EMP_ASSIGN(auto answer, Call("POST", "/v1/payment_intents/" + PathSegment(intent_id) + "/cancel",
                               {{"cancellation_reason", "abandoned"}, {"expand[]", kExpandFee}}, idempotency_key));
  if (!answer.error) return IntentFromJson(answer.object);
  // Stripe refuses to cancel an intent that succeeded (or is cancelled): its state is the answer.
  if (answer.error->code == "payment_intent_unexpected_state") return RetrieveIntent(intent_id);
  return MapStripeError(*answer.error, "intent_id");
}

Result<Refund> StripeProvider::CreateRefund(const RefundRequest& request) {
  FormParams params = {{"payment_intent", request.payment_intent}, {"amount", std::to_string(request.amount)}};
  if (!request.reason.empty()) params.emplace_back("metadata[reason]", request.reason);
  EMP_ASSIGN(auto answer, Call("POST", "/v1/refunds", params, request.idempotency_key));
  if (answer.error) return MapStripeError(*answer.error, "amount");
  return Refund{.id = JsonString(answer.object, "id"),
                .amount = JsonInt(answer.object, "amount"),
                .status = JsonString(answer.object, "status")};
}

}  // namespace emporium::payments
