variable "lab_password" {
  type        = string
  default     = "Passw0rd!"
  description = "Lab only: the password every lab user signs in to the lab runtime with; never a real password."
  sensitive   = true
}

user "alice@contoso.com" {
  pool             = pool.pool01.name
  enterprise_voice = true
  voice_policy     = voice_policy.MobileClickToJoin.identity
  click_to_join    = true
  lab_password     = var.lab_password
}

user "bob@fabrikam.com" {
  pool         = pool.pool01.name
  voice_policy = "MobileClickToJoin"
  # Not Enterprise Voice, so no Call via Work.
  mobility_policy = "NoCallViaWork"
  click_to_join   = true
  lab_password    = var.lab_password
}

user "carol@contoso.com" {
  pool            = pool.pool01.name
  mobility_policy = mobility_policy.NoMobility.identity
  uses_mobility   = false # her policy disables mobility: she cannot sign in
  lab_password    = var.lab_password
}
