// A job that always fails, so the dashboard's Jobs page has a dead job to show and retry: the
// demo has no report service, so buildReport fails its one attempt (max_attempts = 1) and the
// job is dead at once. Start one from the dashboard (Actions, requestReport) or with
// `saas-demo run requestReport`. No routes: nothing here is part of the demo's API.
#include <bunbase/bunbase.hpp>

namespace demo {

struct ReportRequest {
  bb::String<bb::MinLength<1>, bb::MaxLength<100>> name;
};
BOOST_DESCRIBE_STRUCT(ReportRequest, (), (name))

struct ReportQueued {
  std::string jobId;
};
BOOST_DESCRIBE_STRUCT(ReportQueued, (), (jobId))

bb::Action request_report() {
  return bb::action<ReportRequest, ReportQueued>(
      {.name = "requestReport",
       .description = "Queues a report build (which fails: the demo has no report service)"},
      [](const ReportRequest& in, bb::Context& ctx) {
        ctx.log.info("report requested", {{"name", std::string(in.name)}});
        return ReportQueued{ctx.queue.add("buildReport", in, {.max_attempts = 1}).id};
      });
}

bb::Action build_report() {
  return bb::action<ReportRequest, bb::Empty>(
      {.name = "buildReport",
       .description =
           "Builds a report: always fails in the demo, its job is dead after one attempt"},
      [](const ReportRequest&, bb::Context&) -> bb::Empty {
        throw bb::Error(bb::ErrorCode::unavailable, "the demo has no report service")
            .with_code("no_report_service");
      });
}

}  // namespace demo

BUNBASE_MODULE(reports) {
  return bb::module(
      {.name = "reports",
       .description =
           "Reports built in the background (a job that always fails, for the dashboard)",
       .actions = {demo::request_report(), demo::build_report()}});
}
