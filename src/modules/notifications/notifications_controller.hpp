#pragma once
// HTTP in and out for notifications: parsing, validation, status codes. The rules live in the service.

#include "http/router.hpp"
#include "modules/notifications/notifications_service.hpp"

namespace emporium::notifications {

void RegisterNotificationRoutes(http::Router& router, NotificationsService& service);

}  // namespace emporium::notifications
