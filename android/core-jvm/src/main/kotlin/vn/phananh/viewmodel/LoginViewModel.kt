package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.PhanAnhException
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.LoginState
import vn.phananh.ui.state.LoginStep

/** Phone + OTP sign-in. The phone format and the code are checked by the server. */
class LoginViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(LoginState())
    val state: StateFlow<LoginState> = _state.asStateFlow()
    private val _signedIn = MutableStateFlow(repo.isSignedIn())
    val signedIn: StateFlow<Boolean> = _signedIn.asStateFlow()

    fun changePhone(phone: String) = _state.update { it.copy(phone = phone, fieldErrors = emptyList()) }
    fun changeCode(code: String) = _state.update { it.copy(otp = code, fieldErrors = emptyList()) }
    fun editPhone() = _state.update { it.copy(step = LoginStep.PHONE, otp = "") }
    fun resendCode() = requestCode()

    fun requestCode() = call {
        val sent = repo.requestOtp(_state.value.phone)
        _state.update { it.copy(step = LoginStep.OTP, phone = sent.phone, resendInSeconds = 60) }
    }

    fun verify() = call {
        repo.signIn(_state.value.phone, _state.value.otp)
        _signedIn.value = true
    }

    private fun call(block: suspend () -> Unit) {
        _state.update { it.copy(busy = true, error = null, fieldErrors = emptyList()) }
        scope.launch {
            try {
                block()
                _state.update { it.copy(busy = false) }
            } catch (e: PhanAnhException.Validation) {
                _state.update { it.copy(busy = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() }) }
            } catch (e: Exception) {
                _state.update { it.copy(busy = false, error = e.toUiError()) }
            }
        }
    }
}
