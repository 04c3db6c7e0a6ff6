#pragma once
// The consumer's librdkafka properties, in order of precedence (last wins):
// Microsoft's recommended Event Hubs client settings and rolewatch's offset
// handling, the embedded broker's test-friendly timings, authentication, and
// finally the user's `source.properties`, verbatim (as kcat's -X).
#include <librdkafka/rdkafkacpp.h>

#include <string>
#include <vector>

#include "stream/config/config.hpp"

namespace rolewatch::stream {

std::vector<Property> consumer_properties(const SourceConfig& source, const std::string& bootstrap);

// For the embedded broker's producer (demo, tests).
std::vector<Property> producer_properties(const std::string& bootstrap);

// Sets each property; an error names the property, and not the value when it
// is sensitive.
Status apply_properties(RdKafka::Conf& conf, const std::vector<Property>& properties);

// The effective value of a property (the last one set), or empty.
std::string property_value(const std::vector<Property>& properties, std::string_view name);

}  // namespace rolewatch::stream
