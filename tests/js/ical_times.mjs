// Reads .ics files with ical.js (npm) and prints, per file, every VEVENT's UID with its start
// and end as UTC instants (JSON). Used by tests/test_calendar_clients.py.
// Usage: node ical_times.mjs <path to ical.js module> <file.ics>...
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modulePath, ...files] = process.argv.slice(2);
const ICAL = (await import(pathToFileURL(modulePath).href)).default;
const out = {};
for (const file of files) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  out[file] = {
    components: calendar.getAllSubcomponents().map((c) => c.name),
    events: Object.fromEntries(calendar.getAllSubcomponents("vevent").map((v) => {
      const event = new ICAL.Event(v);
      return [event.uid, [event.startDate.toJSDate().toISOString(),
                          event.endDate.toJSDate().toISOString()]];
    })),
  };
}
process.stdout.write(JSON.stringify(out));
