package vn.phananh

import kotlin.test.assertEquals
import org.junit.jupiter.api.Test
import vn.phananh.data.maskPhone

class MaskPhoneTest {
    @Test
    fun `a number is shown the way residents write it, with the middle hidden`() {
        assertEquals("091•••••78", maskPhone("+84912345678"), "E.164 from the server")
        assertEquals("091•••••78", maskPhone("0912345678"))
        assertEquals("091•••••78", maskPhone("091 234 5678"))
        assertEquals("12345", maskPhone("12345"), "too short to mask")
    }
}
