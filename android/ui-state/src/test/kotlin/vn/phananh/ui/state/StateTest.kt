package vn.phananh.ui.state

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class StateTest {
    @Test
    fun englishFallsBackToVietnameseWhenMissing() {
        val t = LocalizedText("Giao thông", "")
        assertEquals("Giao thông", t.get(AppLanguage.EN))
        assertEquals("Traffic", LocalizedText("Giao thông", "Traffic").get(AppLanguage.EN))
    }

    @Test
    fun fieldMessagesIncludeListEntriesButNotPrefixNamesakes() {
        val errors = listOf(
            FieldMessage(Fields.attachment(2), ValidationProblem.TooLarge(100)),
            FieldMessage("attachments_note", ValidationProblem.Required),
            FieldMessage(Fields.DESCRIPTION, ValidationProblem.TooShort(10)),
        )
        assertEquals(listOf(errors[0]), errors.forField(Fields.ATTACHMENTS))
        assertEquals(listOf(errors[2]), errors.forField(Fields.DESCRIPTION))
    }

    @Test
    fun progressIsClampedAndUnknownWithoutTotal() {
        val base = OutboxItemState("c", OutboxKind.REPORT, LocalizedText.same("x"), delivery = DeliveryState.Uploading,
            step = OutboxStep.UPLOADING_MEDIA, createdAt = 0)
        assertNull(base.progress)
        assertEquals(0.25f, base.copy(bytesSent = 25, bytesTotal = 100).progress)
        assertEquals(1f, base.copy(bytesSent = 120, bytesTotal = 100).progress)
    }

    @Test
    fun reopenOnlyOfferedForLevelsThatAllowIt() {
        val levels = listOf(
            RatingLevelOption(3, LocalizedText("Hài lòng", "Satisfied"), false),
            RatingLevelOption(1, LocalizedText("Không hài lòng", "Not satisfied"), true),
        )
        val s = RatingState("r1", LocalizedText.same("x"), levels)
        assertFalse(s.reopenAllowed)
        assertFalse(s.copy(selectedLevel = 3).reopenAllowed)
        assertTrue(s.copy(selectedLevel = 1).reopenAllowed)
    }

    @Test
    fun attachmentLimitsCountByKind() {
        val photo = AttachmentItem("a", MediaKind.PHOTO, "/p.jpg", "p.jpg", 1)
        val video = AttachmentItem("b", MediaKind.VIDEO, "/v.mp4", "v.mp4", 1)
        val s = NewReportState(attachments = listOf(photo, video), maxPhotos = 1, maxVideos = 2)
        assertFalse(s.canAddPhoto)
        assertTrue(s.canAddVideo)
    }
}
