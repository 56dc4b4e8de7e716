package vn.phananh.app.work

import java.time.Instant
import vn.phananh.core.PhanAnhException
import vn.phananh.core.ReportStatus
import vn.phananh.data.CoreRepository
import vn.phananh.data.runCatchingExceptions

/** A report whose status changed in the last run (for the notification). */
data class StatusChange(val reportId: String, val categoryCode: String, val status: ReportStatus)

/**
 * One bounded delivery run: the core drains the outbox until [deadline] (it retries with
 * backoff and stops cleanly at the deadline; every step is restartable), then pulls the status
 * changes of my reports (the core does both; it also serializes runs, so the foreground trigger
 * and a JobScheduler job never overlap). Each run also lets the core refresh the tenant config
 * and boundaries, which it does at most once a day. The statuses are compared with the local
 * cache from before the run, so a change is notified whichever run pulled it. A push token the
 * server does not have yet (handed over offline) is registered. With time left, the photos of
 * my reports and of the answers to them (and videos' posters) are fetched and kept, so the
 * reports read offline as they do online.
 */
class Syncer(
    private val repository: CoreRepository,
    private val notifier: StatusNotifier,
    private val notificationsOn: () -> Boolean,
) {
    /** What the caller should do next. */
    enum class Outcome { DONE, RETRY_LATER }

    suspend fun run(deadline: Instant): Outcome =
        try {
            refreshTenant()
            // A push token kept while offline or signed out goes to the server now (cheap when it has it).
            runCatchingExceptions { repository.registerPendingPushToken() }
            val before = repository.myReports().associate { it.id to it.status }
            val summary = repository.runPending(deadline)
            val changes = repository.myReports().filter { r -> before[r.id] != null && before[r.id] != r.status }
                .map { StatusChange(it.id, it.category, it.status) }
            if (notificationsOn()) notifier.notifyChanges(changes)
            // A cut download resumes next run; a failure here is no reason to run again sooner.
            if (Instant.now().isBefore(deadline)) {
                runCatchingExceptions { repository.keepMyReportMedia() }
                    .onFailure { e -> android.util.Log.i("PhanAnh", "media not kept: $e") }
            }
            // Work left (backing off, waiting for Wi-Fi, deadline reached): run again later.
            if (summary.pending > 0u || summary.hitDeadline) Outcome.RETRY_LATER else Outcome.DONE
        } catch (e: PhanAnhException.Unauthorized) {
            Outcome.DONE // nothing to do until the user signs in again
        } catch (e: PhanAnhException) {
            Outcome.RETRY_LATER // offline, server trouble: the core keeps everything queued
        }

    /**
     * The province's config and boundaries (categories, limits, location policy): the core asks
     * the server when a day has passed since it last did and the phone is online. A failure
     * (server down, a document the core refuses) keeps the ones in use and is asked again next time.
     */
    suspend fun refreshTenant() {
        runCatchingExceptions { repository.refreshTenantIfDue() }
            .onFailure { e -> android.util.Log.i("PhanAnh", "tenant config not refreshed: $e") }
    }
}
