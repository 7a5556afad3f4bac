package testtool

const maxrssInBytes = true
