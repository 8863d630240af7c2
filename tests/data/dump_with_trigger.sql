/*!40101 SET NAMES utf8mb4 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
-- Table structure for table `a`
CREATE TABLE `a` (
  `id` int NOT NULL,
  KEY `k` (`id`)
) ENGINE=InnoDB;
LOCK TABLES `a` WRITE;
INSERT INTO `a` VALUES
(1),
(2);
UNLOCK TABLES;
DELIMITER ;;
CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.id = 1 ;;
DELIMITER ;
-- Table structure for table `b`
CREATE TABLE `b` (
  `id` int NOT NULL
) ENGINE=InnoDB;
-- Dumping routines for database 'x'
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
