import { useEffect, useRef, useState } from "react";

const PROBLEMS = {
  notE164Phone: "That is not a phone number in international form (+1…).",
  notAnEmail: "That is not an email address.",
  notSixDigits: "The code has six digits.",
  rejectedByServer: "Ratio did not accept that; check it and try again.",
  wrongCode: "That code is wrong.",
  resendUnavailable: "No new code can be sent.",
};

function title(prompt) {
  switch (prompt.kind) {
    case "phoneNumber":
      return prompt.phoneMask ? `Your phone number (ending ${prompt.phoneMask})` : "Your phone number";
    case "email":
      return prompt.emailMask ? `Your email (${prompt.emailMask})` : "Your email";
    case "otp":
      return `The code sent by ${prompt.channel === "sms" ? "SMS" : "email"} to ${prompt.destinationMask}`;
    default:
      return "Link this wallet to your account?";
  }
}

/** One form per prompt of the sign-in; a new prompt (even of the same kind) starts empty. */
export function PromptForm({ seq, prompt, onAnswer, onResend, onCancel }) {
  const [value, setValue] = useState("");
  const input = useRef(null);
  useEffect(() => {
    input.current?.focus();
  }, []);

  if (prompt.kind === "confirmLink") {
    return (
      <div className="prompt" data-testid="prompt" data-kind="confirmLink" data-seq={seq}>
        <h3>{title(prompt)}</h3>
        <p>
          The wallet <code>{prompt.walletAddress}</code> is new to Ratio, but the phone number belongs to an account
          {prompt.phoneMask ? ` (ending ${prompt.phoneMask})` : ""}. Sign in to that account with your codes and attach the wallet to it?
        </p>
        <button type="button" data-testid="confirm-yes" onClick={() => onAnswer(true)} autoFocus>
          Yes, link it
        </button>{" "}
        <button type="button" onClick={() => onAnswer(false)}>No</button>
      </div>
    );
  }

  const type = prompt.kind === "email" ? "email" : prompt.kind === "phoneNumber" ? "tel" : "text";
  const canResend = prompt.kind === "otp" && prompt.resendAvailableAt !== undefined;
  return (
    <form
      className="prompt"
      data-testid="prompt"
      data-kind={prompt.kind}
      data-seq={seq}
      data-channel={prompt.channel}
      data-attempt={prompt.attempt}
      onSubmit={(e) => {
        e.preventDefault();
        onAnswer(value.trim());
      }}
    >
      <label>
        <span>{title(prompt)}</span>
        <input
          ref={input}
          name="answer"
          type={type}
          inputMode={prompt.kind === "otp" ? "numeric" : undefined}
          autoComplete={prompt.kind === "otp" ? "one-time-code" : prompt.kind === "email" ? "email" : "tel"}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          required
        />
      </label>
      {prompt.problem && (
        <p className="bad" data-testid="prompt-problem">
          {PROBLEMS[prompt.problem] ?? prompt.problem}
        </p>
      )}
      <button type="submit">Continue</button>{" "}
      {canResend && (
        <button type="button" onClick={onResend}>
          Send a new code
        </button>
      )}{" "}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
