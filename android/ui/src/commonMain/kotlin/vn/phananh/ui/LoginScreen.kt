package vn.phananh.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.LoginEvent
import vn.phananh.ui.state.LoginState
import vn.phananh.ui.state.LoginStep
import vn.phananh.ui.state.forField

/** Sign in with a phone number and a one-time code sent by SMS. */
@Composable
fun LoginScreen(state: LoginState, onEvent: (LoginEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.login_title)) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(20.dp), verticalArrangement = Arrangement.spacedBy(14.dp)) {
            state.error?.let { ErrorBanner(it) }
            when (state.step) {
                LoginStep.PHONE -> {
                    Text(str(Str.login_phone_intro), style = MaterialTheme.typography.bodyLarge)
                    val errors = state.fieldErrors.forField(Fields.PHONE)
                    OutlinedTextField(
                        value = state.phone,
                        onValueChange = { onEvent(LoginEvent.ChangePhone(it)) },
                        label = { Text(str(Str.login_phone)) },
                        placeholder = { Text("0912 345 678") },
                        singleLine = true,
                        isError = errors.isNotEmpty(),
                        textStyle = TextStyle(fontSize = 22.sp, letterSpacing = 1.sp),
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone, imeAction = ImeAction.Done),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    FieldErrors(errors)
                    PrimaryButton(str(Str.login_get_code), onClick = { onEvent(LoginEvent.RequestCode) }, enabled = state.phone.isNotBlank(), busy = state.busy)
                }
                LoginStep.OTP -> {
                    Text(str(Str.login_code_sent, state.phone), style = MaterialTheme.typography.bodyLarge)
                    val errors = state.fieldErrors.forField(Fields.OTP)
                    OutlinedTextField(
                        value = state.otp,
                        onValueChange = { if (it.length <= state.otpLength) onEvent(LoginEvent.ChangeCode(it)) },
                        label = { Text(str(Str.login_code, state.otpLength)) },
                        singleLine = true,
                        isError = errors.isNotEmpty(),
                        textStyle = TextStyle(fontSize = 28.sp, letterSpacing = 8.sp),
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword, imeAction = ImeAction.Done),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    FieldErrors(errors)
                    PrimaryButton(str(Str.login_verify), onClick = { onEvent(LoginEvent.Verify) }, enabled = state.otp.length == state.otpLength, busy = state.busy)
                    TextButton(onClick = { onEvent(LoginEvent.ResendCode) }, enabled = state.resendInSeconds == 0, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
                        Text(if (state.resendInSeconds > 0) str(Str.login_resend_in, state.resendInSeconds) else str(Str.login_resend))
                    }
                    TextButton(onClick = { onEvent(LoginEvent.EditPhone) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) { Text(str(Str.login_change_phone)) }
                }
            }
            TextButton(onClick = { onEvent(LoginEvent.Skip) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) { Text(str(Str.login_skip)) }
            Text(str(Str.login_privacy), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}
