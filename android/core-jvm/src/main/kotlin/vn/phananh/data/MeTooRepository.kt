package vn.phananh.data

import vn.phananh.core.NearbyReports
import vn.phananh.core.OutboxItem

/** "Me too" (issue 13): open reports like the one being written, and following one of them. */
interface MeTooRepository : TenantRepository {
    /**
     * Open reports of the draft's category within 150 m of its position, nearest first (from the
     * cached feed when offline, `fromCache`). `Validation` naming `location`/`category` when the
     * draft lacks them.
     */
    suspend fun nearbyForDraft(draftId: String): NearbyReports
    /** Follow [reportId] instead of filing a duplicate; queued in the outbox (exactly once). */
    suspend fun joinReport(reportId: String): OutboxItem
}
