// The member's flow in the mini-program, written against the generated types: log in, read the
// feed, sign up, punch in and out, read my records and my hours. Every field read here is one
// the document promises; no `!`, no `?.` and no cast is needed (scripts/contract-check fails
// the build if one appears in this file).
import { Api, ApiError, type Schemas, type TransportRequest, type TransportResponse } from "./client";

// The few WeChat APIs the sample uses (the real typings: the `miniprogram-api-typings` package).
declare const wx: {
  login(options: { success(result: { code: string }): void; fail(error: unknown): void }): void;
  getLocation(options: {
    type: "gcj02" | "wgs84";
    isHighAccuracy?: boolean;
    success(result: { latitude: number; longitude: number; accuracy: number }): void;
    fail(error: unknown): void;
  }): void;
  request(
    options: TransportRequest & {
      success(result: TransportResponse): void;
      fail(error: unknown): void;
    },
  ): void;
};

/** `wx.request` as the client's transport. */
function wxTransport(request: TransportRequest): Promise<TransportResponse> {
  return new Promise((resolve, reject) => wx.request({ ...request, success: resolve, fail: reject }));
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) =>
    wx.login({ success: (result) => resolve(result.code), fail: reject }),
  );
}

/** Where the member stands, in GCJ-02: the system of the venue points (docs/client.md). */
function whereAmI(): Promise<Schemas["LocationIn"]> {
  return new Promise((resolve, reject) =>
    wx.getLocation({
      type: "gcj02",
      isHighAccuracy: true,
      success: (result) =>
        resolve({
          latitude: result.latitude,
          longitude: result.longitude,
          system: "gcj02",
          accuracy: result.accuracy,
        }),
      fail: reject,
    }),
  );
}

/** Times come in UTC (ISO 8601 with an offset); pages show Beijing time. */
function beijingTime(iso: string): string {
  const date = new Date(Date.parse(iso) + 8 * 3600 * 1000);
  return date.toISOString().slice(0, 16).replace("T", " ");
}

// What the pages render (their `setData`): every field a plain value, so a response field the
// document left optional would not type-check here.
interface FeedCard {
  shiftId: number;
  title: string;
  category: string;
  place: string;
  startsAt: string;
  endsAt: string;
  freePlaces: number;
  reasons: string[];
  cancelReason: string | null;
}

type SignupState = "confirmed" | "waitlisted" | "cancelled";
type RecordStatus = "pending" | "confirmed" | "rejected" | "voided";

interface RecordRow {
  date: string;
  activity: string;
  community: string;
  checkedInAt: string | null;
  minutes: number;
  creditedMinutes: number;
  status: RecordStatus;
  rejectReason: string | null;
}

/** What a check-out produced: the service record's minutes, or nothing (a check-in). */
interface PunchResult {
  punchedAt: string;
  distanceM: number | null;
  flags: string[];
  record: { minutes: number; status: RecordStatus } | null;
}

interface HoursSummary {
  year: number;
  confirmedHours: number;
  requiredHours: number;
  remainingHours: number;
  pendingRecords: number;
  points: number;
}

function punchResult(punch: Schemas["PunchOut"]): PunchResult {
  return {
    punchedAt: beijingTime(punch.punched_at),
    distanceM: punch.distance_m,
    flags: punch.flags,
    record:
      punch.record === null ? null : { minutes: punch.record.minutes, status: punch.record.status },
  };
}

function hoursSummary(hours: Schemas["HoursOut"]): HoursSummary {
  return {
    year: hours.year,
    confirmedHours: hours.confirmed_hours,
    requiredHours: hours.required_hours,
    remainingHours: hours.remaining_hours,
    pendingRecords: hours.records.pending,
    points: hours.points_total,
  };
}

function feedCard(item: Schemas["FeedItemOut"]): FeedCard {
  return {
    shiftId: item.shift.id,
    title: item.task.title,
    category: item.task.category.name,
    place: `${item.task.area.name} ${item.task.address}`,
    startsAt: beijingTime(item.shift.starts_at),
    endsAt: beijingTime(item.shift.ends_at),
    freePlaces: item.shift.capacity - item.shift.confirmed_count,
    reasons: item.reasons,
    cancelReason: item.shift.cancel_reason,
  };
}

function recordRow(record: Schemas["MyRecordOut"]): RecordRow {
  return {
    date: record.service_date,
    activity: `${record.activity.title}（${record.activity_name}）`,
    community: record.area.name,
    checkedInAt: record.check_in_at === null ? null : beijingTime(record.check_in_at),
    minutes: record.minutes,
    creditedMinutes: record.credited_minutes,
    status: record.status,
    rejectReason: record.reject_reason,
  };
}

function feedLine(card: FeedCard): string {
  const cancelled = card.cancelReason === null ? "" : `（已取消：${card.cancelReason}）`;
  return `${card.title}｜${card.category}｜${card.place}｜${card.startsAt}–${card.endsAt}｜余 ${card.freePlaces} 人｜${card.reasons.join("、")}${cancelled}`;
}

function recordLine(row: RecordRow): string {
  const reason = row.rejectReason === null ? "" : `（${row.rejectReason}）`;
  return `${row.date} ${row.activity}｜${row.community}｜${row.checkedInAt ?? "未签到"}｜${row.minutes} 分钟（计入 ${row.creditedMinutes}）｜${row.status}${reason}`;
}

export async function memberFlow(base: string, punchCode: string): Promise<string[]> {
  const api = new Api(base, wxTransport);
  const lines: string[] = [];

  // POST /auth/login
  const token = await api.call("login", { body: { code: await wxLoginCode() } });
  api.token = token.access_token;
  lines.push(`登录成功，令牌 ${token.expires_in} 秒后过期（${token.token_type}）`);

  // GET /me/feed: the first page, then the next ones while next_cursor is not null.
  const feed: Schemas["FeedItemOut"][] = [];
  let cursor: number | null = null;
  do {
    const query: { limit: number; cursor?: number } =
      cursor === null ? { limit: 20 } : { limit: 20, cursor };
    const page: Schemas["FeedItemPage"] = await api.call("getMyFeed", { query });
    feed.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && feed.length < 60);
  const cards = feed.map(feedCard);
  lines.push(...cards.map(feedLine));

  const chosen = cards[0];
  if (chosen === undefined) return lines; // nothing to sign up for today

  // POST /shifts/{shift_id}/signups
  try {
    const signup = await api.call("signUpForShift", { path: { shift_id: chosen.shiftId } });
    const state: SignupState = signup.status;
    lines.push(state === "confirmed" ? `已报名 ${chosen.title}` : `已进入候补：${chosen.title}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) {
      lines.push(`无法报名：${error.body.message}（${error.body.code}）`);
      return lines;
    }
    throw error;
  }

  // GET /me/signups: 我的报名 shows what was signed up for, not just ids.
  const mine = await api.call("listMySignups", { query: { limit: 20 } });
  for (const item of mine.items) {
    const title: string = item.task.title;
    const community: string = item.task.community.name;
    const startsAt: string = beijingTime(item.shift.starts_at);
    const checkin: string = item.checkin;
    lines.push(`我的报名：${title}（${community}）${startsAt}，${item.status}，${checkin}`);
  }

  // POST /punches: in, then out; the location says its coordinate system.
  const punchIn = punchResult(
    await api.call("createPunch", {
      body: { code: punchCode, direction: "in", location: await whereAmI() },
    }),
  );
  const distance = punchIn.distanceM === null ? "" : `，距签到点 ${punchIn.distanceM} 米`;
  lines.push(`签到 ${punchIn.punchedAt}${distance}`);
  if (punchIn.flags.length > 0) lines.push(`标记：${punchIn.flags.join("、")}`);

  const punchOut = punchResult(
    await api.call("createPunch", { body: { code: punchCode, direction: "out" } }),
  );
  if (punchOut.record !== null) {
    lines.push(`签退，本次 ${punchOut.record.minutes} 分钟，${punchOut.record.status}`);
  }

  // GET /me/service-records
  const records = await api.call("listMyRecords", { query: { limit: 20 } });
  lines.push(...records.items.map(recordRow).map(recordLine));
  if (records.next_cursor !== null) lines.push("更多记录…");

  // GET /me/hours
  const hours = hoursSummary(await api.call("getMyHours", {}));
  lines.push(
    `${hours.year} 年已确认 ${hours.confirmedHours} 小时，要求 ${hours.requiredHours} 小时，还差 ${hours.remainingHours} 小时；待确认 ${hours.pendingRecords} 条；积分 ${hours.points}`,
  );
  return lines;
}
